import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import {
  renderDispatchReport,
  runDispatchDemo,
  type DispatchDemoReport,
} from "../../src/demo/dispatchDemo.ts";

// The 001 scenario on a real throwaway devnet (the demo is already small: 6 nodes, 4 providers).
describe("demo dispatch", () => {
  let chain: ChainSession;
  let report: DispatchDemoReport;

  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18792", // nothing listens here: the demo starts its own devnet
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18791,
      log: () => {},
    });
    report = await runDispatchDemo(chain, { log: () => {} });
  }, 180_000);

  afterAll(async () => {
    await chain?.close();
  });

  it("starts from an over-voltage at node 6 and ends with every voltage inside the band", () => {
    expect(report.before.maxVoltage.bus).toBe("6");
    expect(report.before.maxVoltage.vPu).toBeGreaterThan(report.limits.vMaxPu);
    expect(report.voltagesWithinLimitsAfter).toBe(true);
    for (const v of report.voltages) {
      expect(v.afterPu).toBeLessThanOrEqual(report.limits.vMaxPu);
      expect(v.afterPu).toBeGreaterThanOrEqual(report.limits.vMinPu);
    }
  });

  it("writes the four stages, the meters' batch and their proofs in increasing blocks with verified hash links", () => {
    expect(report.stages.map((s) => s.stage)).toEqual([
      "Trigger",
      "Dispatch",
      "Meter batch",
      "Readings",
      "Verify",
      "Settle",
    ]);
    for (let i = 1; i < 4; i++)
      expect(report.stages[i]!.block).toBeGreaterThan(report.stages[i - 1]!.block);
    expect(report.hashLinksVerified).toBe(true);
  });

  it("conserves the budget: payments plus refund equal what was locked, and it is all withdrawn", () => {
    const b = report.budget;
    expect(BigInt(b.paidBaseUnits) + BigInt(b.refundBaseUnits)).toBe(BigInt(b.lockedBaseUnits));
    const withdrawnByProviders = report.providers.reduce(
      (s, p) => s + BigInt(p.withdrawnBaseUnits),
      0n,
    );
    expect(withdrawnByProviders).toBe(BigInt(b.paidBaseUnits));
    expect(report.moneyConserved).toBe(true);
  });

  it("penalises exactly the provider that under-delivered beyond the 5 % band", () => {
    const penalised = report.providers.filter((p) => BigInt(p.penaltyBaseUnits) > 0n);
    expect(penalised.map((p) => p.bus)).toEqual(["2"]);
    const p = penalised[0]!;
    expect(p.deliveredWh).toBeLessThan(0.95 * p.allocationW);
    expect(BigInt(p.withdrawnBaseUnits)).toBe(
      BigInt(p.paymentBaseUnits) - BigInt(p.penaltyBaseUnits),
    );
  });

  it("renders an HTML report with the voltage chart", () => {
    const html = renderDispatchReport(report);
    expect(html).toContain("<svg");
    expect(html).toContain("Bus voltages before and after dispatch");
    expect(html).toContain(report.stages[5]!.tx);
  });
});
