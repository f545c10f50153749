import { loadConfig } from "../config/config.ts";
import { connectChainSession, type ChainSession } from "../chain/session.ts";
import { printJson } from "./io.ts";

/**
 * Runs `body` on the configured deployment (RPC_URL, DEPLOYMENT_FILE; never a throwaway devnet,
 * for commands whose effect must last) and prints its result as JSON; the session is closed
 * whatever happens.
 */
export async function withConfiguredSession(
  body: (session: ChainSession) => Promise<unknown>,
): Promise<void> {
  const config = loadConfig();
  const session = await connectChainSession({
    rpcUrl: config.RPC_URL,
    deploymentFile: config.DEPLOYMENT_FILE,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    printJson(await body(session));
  } finally {
    await session.close();
  }
}
