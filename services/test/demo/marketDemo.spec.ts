import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import {
  renderMarketReport,
  runMarketDemo,
  type MarketDemoReport,
} from "../../src/demo/marketDemo.ts";

// The trading day at reduced size on a real throwaway devnet.
describe("demo market (reduced: 8 prosumers, 6 intervals)", () => {
  let chain: ChainSession;
  let report: MarketDemoReport;
  const phases: string[] = [];

  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18794",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18793,
      log: () => {},
    });
    report = await runMarketDemo(chain, {
      prosumers: 8,
      intervals: 6,
      seed: 3,
      log: () => {},
      progress: (_done, _total, phase) => phases.push(phase),
    });
  }, 240_000);

  afterAll(async () => {
    await chain?.close();
  });

  it("conserves money: every deposit is still held and nothing stays locked after settlement", () => {
    expect(report.moneyConserved).toBe(true);
    expect(report.lockedAfterSettlement).toBe("0");
  });

  it("trades energy with prices between the feed-in tariff and the grid price", () => {
    expect(report.totals.tradedKWh).toBeGreaterThan(0);
    expect(report.totals.matches).toBeGreaterThan(0);
    for (const s of report.intervalsSummary) {
      if (s.averagePriceGLTPerKWh === null) continue;
      expect(s.averagePriceGLTPerKWh).toBeGreaterThan(0);
      expect(s.tradedWh).toBeGreaterThan(0);
      expect(s.renewableWh).toBeLessThanOrEqual(s.tradedWh);
    }
    // Reports speak GLT and kWh: the total value is the volume-weighted prices times energy.
    const value = report.intervalsSummary.reduce(
      (a, s) => a + (s.averagePriceGLTPerKWh ?? 0) * (s.tradedWh / 1000),
      0,
    );
    expect(report.totals.valueGLT).toBeCloseTo(value, 2);
    expect(report.totals.averagePriceGLTPerKWh).toBeCloseTo(value / report.totals.tradedKWh, 3);
    expect(report.totals.averagePriceGLTPerKWh).toBeLessThan(10);
    const sum = report.intervalsSummary.reduce((a, s) => a + s.tradedWh, 0) / 1000;
    expect(report.totals.dayAheadKWh + report.totals.intradayKWh).toBeCloseTo(sum, 6);
  });

  it("covers both markets for every period and reports its progress", () => {
    expect(report.intervalsSummary.filter((s) => s.market === "day-ahead")).toHaveLength(6);
    expect(report.intervalsSummary.filter((s) => s.market === "intraday")).toHaveLength(6);
    expect(phases.at(-1)).toBe("settled");
    expect(report.gas.total).toBeGreaterThan(0);
  });

  it("chooses intraday sellers from the indexed chain history and accounts for every selection", () => {
    const e = report.evidence;
    expect(e.selections).toBeGreaterThan(0);
    // Every seller slot is either in the eq. (9) frame (has history) or a newcomer.
    expect(e.candidatesWithHistory + e.admittedWithoutHistory).toBe(e.intradaySellerSlots);
    // Nothing is metered before the first intraday gate; periods metered during the day give
    // later slots history read back from the chain.
    expect(e.undecided.unrated).toBeGreaterThanOrEqual(1);
    expect(e.candidatesWithHistory).toBeGreaterThan(0);
    const undecided = Object.values(e.undecided).reduce((a, b) => a + b, 0);
    expect(e.decisions + undecided).toBe(e.selections);
    expect(e.missedGates).toBe(0);
  });

  it("renders the HTML report", () => {
    const html = renderMarketReport(report);
    expect(html).toContain("Volume-weighted trade price");
    expect(html.match(/<svg/g)!.length).toBe(3);
  });

  it("refuses sizes outside its bounds", async () => {
    await expect(
      runMarketDemo(chain, { prosumers: 1, intervals: 4, seed: 1, log: () => {} }),
    ).rejects.toThrow(/prosumers/);
    await expect(
      runMarketDemo(chain, { prosumers: 4, intervals: 97, seed: 1, log: () => {} }),
    ).rejects.toThrow(/intervals/);
  });
});
