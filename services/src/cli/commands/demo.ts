import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/config.ts";
import { createContentStore } from "../../storage/createContentStore.ts";
import { connectDemoChain } from "../../demo/liveDevnet.ts";
import { renderDispatchReport, runDispatchDemo } from "../../demo/dispatchDemo.ts";
import { printJson } from "../io.ts";

/** Port of the throwaway devnet a demo starts when `npm start` is not running. */
const DEMO_DEVNET_PORT = 18790;

type CommonOptions = { out: string; json?: boolean };

async function writeReport(
  out: string,
  name: string,
  json: unknown,
  html: string,
): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const files = [path.join(out, `${name}.json`), path.join(out, `${name}.html`)];
  await writeFile(
    files[0]!,
    JSON.stringify(json, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n",
  );
  await writeFile(files[1]!, html);
  return files;
}

/** `gridledger demo dispatch|market|trace`: the papers' scenarios on a live devnet. */
export function registerDemo(program: Command): void {
  const demo = program
    .command("demo")
    .description("run the papers' scenarios end to end on a live devnet");

  demo
    .command("dispatch")
    .description(
      "001 section 4: over-voltage at node 6 of the 6-node feeder, resolved by a TDVA event",
    )
    .option("--out <dir>", "folder for dispatch-report.html and .json", "reports")
    .option("--json", "print the report JSON on stdout instead of the stage lines")
    .action(async (options: CommonOptions) => {
      const config = loadConfig();
      const log = (line: string) =>
        (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      const chain = await connectDemoChain({
        rpcUrl: config.RPC_URL,
        deploymentFile: config.DEPLOYMENT_FILE,
        fallbackPort: DEMO_DEVNET_PORT,
        log,
      });
      const store = await createContentStore(config);
      try {
        const report = await runDispatchDemo(chain, { store, log });
        const files = await writeReport(
          options.out,
          "dispatch-report",
          report,
          renderDispatchReport(report),
        );
        if (options.json) printJson(report);
        else log(`report: ${files.join(", ")}`);
      } finally {
        await store.close();
        await chain.close();
      }
    });
}
