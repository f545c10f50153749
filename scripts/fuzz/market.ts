/**
 * `npm run fuzz:market`: FUZZ_SEQUENCES (default 10000) seeded random operation sequences against
 * the energy market with an honest, a fee-on-transfer and a callback token (see marketFuzz.ts for
 * what is asserted after every step). FUZZ_SEED (default 1) is the first sequence's seed; a
 * failure prints the seed and the steps of its sequence, replayable with
 * FUZZ_SEED=<seed> FUZZ_SEQUENCES=1. Prints a summary table, writes bench-results/fuzz-market.json
 * and exits non-zero on any violation.
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import { formatSummary, runMarketFuzz } from "./marketFuzz";

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer: ${raw}`);
  return n;
}

async function main() {
  const sequences = intEnv("FUZZ_SEQUENCES", 10_000);
  const seed = intEnv("FUZZ_SEED", 1);
  const maxFailures = intEnv("FUZZ_MAX_FAILURES", 3);
  process.stderr.write(`market fuzz: ${sequences} sequences from seed ${seed}\n`);
  const summary = await runMarketFuzz(hre, {
    sequences,
    seed,
    maxFailures,
    log: (line) => process.stderr.write(line + "\n"),
  });
  console.log(formatSummary(summary));
  mkdirSync("bench-results", { recursive: true });
  const figures = {
    sequences: summary.sequences,
    steps: summary.steps,
    violations: summary.violations,
    wall_time_s: Math.round(summary.wallMs / 100) / 10,
    steps_per_s: Math.round(summary.steps / Math.max(1e-3, summary.wallMs / 1000)),
    first_seed: summary.firstSeed,
    clearings: summary.clearings,
    clearings_exact: summary.clearingsExact,
    restarts: summary.restarts,
    empty_settle_chunks: summary.emptySettleChunks,
    matches: summary.matches,
    settled_intervals: summary.settledIntervals,
    settled_periods: summary.settledPeriods,
  };
  writeFileSync(
    "bench-results/fuzz-market.json",
    JSON.stringify(
      {
        figures,
        byMarket: summary.byMarket,
        reverts: summary.reverts,
        ops: summary.ops,
        failures: summary.failures.map((f) => ({
          seed: f.seed,
          market: f.market,
          step: f.step,
          messages: f.messages,
          replay: `FUZZ_SEED=${f.seed} FUZZ_SEQUENCES=1 npm run fuzz:market`,
        })),
      },
      null,
      2,
    ) + "\n",
  );
  if (summary.violations > 0) {
    process.stderr.write(`${summary.violations} violation(s): see the sequences above\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
