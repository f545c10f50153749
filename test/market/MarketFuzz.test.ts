import { expect } from "chai";
import hre from "hardhat";
import { formatSummary, runMarketFuzz } from "../../scripts/fuzz/marketFuzz";

/** A CI slice of `npm run fuzz:market` (the same runner, fewer sequences). */
describe("EnergyMarket stateful fuzz (slice of npm run fuzz:market)", () => {
  it("keeps escrow, locks, clearing and settlement equal to the reference over 300 seeded sequences", async function () {
    this.timeout(900_000);
    const lines: string[] = [];
    const summary = await runMarketFuzz(hre, {
      sequences: Number(process.env.FUZZ_TEST_SEQUENCES ?? 300),
      seed: Number(process.env.FUZZ_SEED ?? 1),
      log: (line) => lines.push(line),
    });
    expect(summary.violations, `${lines.join("\n")}\n${formatSummary(summary)}`).to.equal(0);
    // The slice really exercises every market, clearing, restarts and settlement.
    for (const k of ["honest", "feeOnTransfer", "callback"] as const)
      expect(summary.byMarket[k].sequences).to.be.greaterThan(0);
    expect(summary.clearings).to.be.greaterThan(50);
    expect(summary.restarts).to.be.greaterThan(0);
    expect(summary.settledPeriods).to.be.greaterThan(50);
    expect(summary.matches).to.be.greaterThan(50);
  });
});
