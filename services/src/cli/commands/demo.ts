import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { BaseError } from "@gridledger/domain/errors";
import { loadConfig, type Config } from "../../config/config.ts";
import { createContentStore } from "../../storage/createContentStore.ts";
import { connectChainSession, type ChainSession } from "../../chain/session.ts";
import { renderDispatchReport, runDispatchDemo } from "../../demo/dispatchDemo.ts";
import { renderMarketReport, runMarketDemo } from "../../demo/marketDemo.ts";
import { renderTraceReport, runTraceDemo } from "../../demo/traceDemo.ts";
import { printJson } from "../io.ts";
import { progressBar } from "../progress.ts";
import { readOutageFile } from "../../evidence/history.ts";

/** Port of the throwaway devnet a demo starts when `npm start` is not running. */
const DEMO_DEVNET_PORT = 18790;

type CommonOptions = { out: string; json?: boolean };

/** What a demo hands back: its report, the HTML twin, and what to print without --json. */
type DemoOutcome = { name: string; report: unknown; html: string; summary?: unknown };

/**
 * The frame every demo shares: configuration, a live devnet (the running one or a throwaway),
 * the report written as JSON + HTML under --out, and the devnet closed whatever happens.
 */
async function runDemo(
  options: CommonOptions,
  body: (chain: ChainSession, config: Config, log: (line: string) => void) => Promise<DemoOutcome>,
): Promise<void> {
  const config = loadConfig();
  // With --json, stdout carries only the report; progress lines go to stderr.
  const log = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  const chain = await connectChainSession({
    rpcUrl: config.RPC_URL,
    deploymentFile: config.DEPLOYMENT_FILE,
    fallbackPort: DEMO_DEVNET_PORT,
    log,
  });
  try {
    const outcome = await body(chain, config, log);
    await mkdir(options.out, { recursive: true });
    const json = path.join(options.out, `${outcome.name}.json`);
    const html = path.join(options.out, `${outcome.name}.html`);
    const text = JSON.stringify(
      outcome.report,
      (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
      2,
    );
    await writeFile(json, text + "\n");
    await writeFile(html, outcome.html);
    if (options.json) printJson(outcome.report);
    else {
      if (outcome.summary !== undefined) printJson(outcome.summary);
      log(`report: ${json}, ${html}`);
    }
  } finally {
    await chain.close();
  }
}

/** Parses an integer option, checked before any devnet is started. */
function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new BaseError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
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
    .action((options: CommonOptions) =>
      runDemo(options, async (chain, config, log) => {
        const store = await createContentStore(config);
        try {
          const report = await runDispatchDemo(chain, { store, log });
          return { name: "dispatch-report", report, html: renderDispatchReport(report) };
        } finally {
          await store.close();
        }
      }),
    );

  demo
    .command("market")
    .description("a simulated trading day: day-ahead then intraday auctions, metering, settlement")
    .option("--prosumers <n>", "number of units (PV, wind, storage, loads, conventional)", "50")
    .option("--intervals <n>", "15-minute intervals in the day (1-96)", "96")
    .option("--seed <n>", "seed of the generated profiles", "1")
    .option(
      "--lead-seconds <n>",
      "on a chain that cannot move its clock: seconds to place orders before each gate",
      "30",
    )
    .option(
      "--interval-seconds <n>",
      "on a chain that cannot move its clock: seconds per delivery interval",
      "60",
    )
    .option("--outages <file>", "outage records per feeder/bus for the line-fault evidence source")
    .option("--out <dir>", "folder for market-report.html and .json", "reports")
    .option("--json", "print the whole report JSON on stdout")
    .action(
      async (
        options: CommonOptions & {
          prosumers: string;
          intervals: string;
          seed: string;
          leadSeconds: string;
          intervalSeconds: string;
          outages?: string;
        },
      ) => {
        const prosumers = integer("prosumers", options.prosumers, 2, 400);
        const intervals = integer("intervals", options.intervals, 1, 96);
        const seed = integer("seed", options.seed, 0, 2 ** 31 - 1);
        const leadS = integer("lead-seconds", options.leadSeconds, 5, 3_600);
        const intervalS = integer("interval-seconds", options.intervalSeconds, 5, 3_600);
        // A bad outage file is refused before any devnet is started.
        const outages = options.outages ? await readOutageFile(options.outages) : undefined;
        return runDemo(options, async (chain) => {
          const bar = progressBar(options.json);
          bar.start(5 + intervals, "starting");
          try {
            const report = await runMarketDemo(chain, {
              prosumers,
              intervals,
              seed,
              leadS,
              intervalS,
              ...(outages ? { outages } : {}),
              log: () => {},
              progress: (done, _total, phase) => bar.update(done, phase),
            });
            const t = report.totals;
            return {
              name: "market-report",
              report,
              html: renderMarketReport(report),
              summary: {
                prosumers,
                intervals,
                ...t,
                gasTotal: report.gas.total,
                transactions: report.gas.transactions,
                wallTimeS: report.wallTimeS,
                moneyConserved: report.moneyConserved,
                evidence: report.evidence,
              },
            };
          } finally {
            bar.stop();
          }
        });
      },
    );

  demo
    .command("trace")
    .description("004: seed a supply chain, anchor it, trace it, and detect a tampered record")
    .option("--out <dir>", "folder for trace-report.html and .json", "reports")
    .option("--json", "print the report JSON on stdout")
    .action((options: CommonOptions) =>
      runDemo(options, async (chain, config, log) => {
        const report = await runTraceDemo(chain, config, log);
        return { name: "trace-report", report, html: renderTraceReport(report) };
      }),
    );
}
