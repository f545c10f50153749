import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { BaseError } from "../../common/errors.ts";
import { loadConfig } from "../../config/config.ts";
import { createContentStore } from "../../storage/createContentStore.ts";
import { connectDemoChain } from "../../demo/liveDevnet.ts";
import { renderDispatchReport, runDispatchDemo } from "../../demo/dispatchDemo.ts";
import { printJson } from "../io.ts";
import cliProgress from "cli-progress";
import { renderMarketReport, runMarketDemo } from "../../demo/marketDemo.ts";
import { renderTraceReport, runTraceDemo } from "../../demo/traceDemo.ts";

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

  demo
    .command("market")
    .description("a simulated trading day: day-ahead then intraday auctions, metering, settlement")
    .option("--prosumers <n>", "number of units (PV, wind, storage, loads, conventional)", "50")
    .option("--intervals <n>", "15-minute intervals in the day (1-96)", "96")
    .option("--seed <n>", "seed of the generated profiles", "1")
    .option("--out <dir>", "folder for market-report.html and .json", "reports")
    .option("--json", "print the report JSON on stdout")
    .action(
      async (options: CommonOptions & { prosumers: string; intervals: string; seed: string }) => {
        const int = (name: string, value: string) => {
          const n = Number(value);
          if (!Number.isInteger(n))
            throw new BaseError(`--${name} must be an integer, got "${value}"`);
          return n;
        };
        const prosumers = int("prosumers", options.prosumers);
        const intervals = int("intervals", options.intervals);
        const seed = int("seed", options.seed);
        const config = loadConfig();
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const chain = await connectDemoChain({
          rpcUrl: config.RPC_URL,
          deploymentFile: config.DEPLOYMENT_FILE,
          fallbackPort: DEMO_DEVNET_PORT,
          log,
        });
        const bar = new cliProgress.SingleBar(
          { format: "{bar} {value}/{total} {phase}", stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(7, 0, { phase: "starting" });
        try {
          const report = await runMarketDemo(chain, {
            prosumers,
            intervals,
            seed,
            log: () => {},
            progress: (done, _total, phase) => bar.update(done, { phase }),
          });
          bar.stop();
          const files = await writeReport(
            options.out,
            "market-report",
            report,
            renderMarketReport(report),
          );
          if (options.json) printJson(report);
          else {
            const t = report.totals;
            printJson({
              prosumers,
              intervals,
              tradedKWh: t.tradedKWh,
              dayAheadKWh: t.dayAheadKWh,
              intradayKWh: t.intradayKWh,
              renewableSharePct: t.renewableSharePct,
              averagePricePerKWh: t.averagePricePerKWh,
              valueGLT: t.valueGLT,
              compensationGLT: t.compensationGLT,
              orders: t.orders,
              matches: t.matches,
              gasTotal: report.gas.total,
              transactions: report.gas.transactions,
              wallTimeS: report.wallTimeS,
              moneyConserved: report.moneyConserved,
              evidence: report.evidence,
              reports: files,
            });
          }
        } finally {
          bar.stop();
          await chain.close();
        }
      },
    );

  demo
    .command("trace")
    .description("004: seed a supply chain, anchor it, trace it, and detect a tampered record")
    .option("--out <dir>", "folder for trace-report.html and .json", "reports")
    .option("--json", "print the report JSON on stdout")
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
      try {
        const report = await runTraceDemo(chain, config, log);
        const files = await writeReport(
          options.out,
          "trace-report",
          report,
          renderTraceReport(report),
        );
        if (options.json) printJson(report);
        else log(`report: ${files.join(", ")}`);
      } finally {
        await chain.close();
      }
    });
}
