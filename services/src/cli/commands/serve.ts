import type { Server } from "node:http";
import type { Command } from "commander";
import { createApp } from "../../api/app.ts";
import { createServices } from "../../api/createContext.ts";
import { loadConfig } from "../../config/config.ts";
import { createLogger } from "../../logging/logger.ts";
import { printJson } from "../io.ts";

/**
 * `gridledger serve`: the REST API with the anchoring batcher and the chain indexer, on
 * API_HOST:API_PORT (127.0.0.1:8787 by default), embedded stores unless configured otherwise.
 * Stops cleanly on SIGINT/SIGTERM.
 */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("start the REST API, anchoring batcher and chain indexer")
    .option("--port <port>", "port (overrides API_PORT)")
    .option("--host <host>", "listen address (overrides API_HOST)")
    .option("--no-indexer", "do not follow the chain's events")
    .action(async (options: { port?: string; host?: string; indexer: boolean }) => {
      const config = loadConfig({
        ...process.env,
        ...(options.port ? { API_PORT: options.port } : {}),
        ...(options.host ? { API_HOST: options.host } : {}),
      });
      const logger = createLogger(config.LOG_LEVEL);
      const services = await createServices(config, logger, { indexer: options.indexer });
      const app = createApp(services.context);
      const server: Server = await new Promise((resolve, reject) => {
        const s = app.listen(config.API_PORT, config.API_HOST, (error?: Error) =>
          error ? reject(error) : resolve(s),
        );
      });
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : config.API_PORT;
      printJson({
        url: `http://${config.API_HOST}:${port}`,
        openapi: `http://${config.API_HOST}:${port}/openapi.json`,
        chainId: services.context.chainId,
        graph: services.graph.kind,
        content: services.content.kind,
        reads: config.READS,
      });
      await new Promise<void>((resolve) => {
        const shutdown = (): void => {
          logger.info("shutting down");
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.once("SIGINT", shutdown);
        process.once("SIGTERM", shutdown);
      });
      await services.close();
    });
}
