import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { canonicalBytes } from "../fingerprint/fingerprint.ts";
import { loadShippedNetwork } from "./shippedNetworks.ts";
import { checkSafety, checkSafetyWithFingerprint } from "./safetyCheck.ts";

const sixNode = loadShippedNetwork("six-node");

describe("safety check on the six-node feeder", () => {
  it("starts with the paper's overvoltage at node 6", () => {
    const report = checkSafety({ network: sixNode, transactions: [] });
    expect(report.before.violations).toEqual([
      expect.objectContaining({ type: "overvoltage", element: "6", limit: 1.06 }),
    ]);
    // No transaction makes anything worse, but the feeder is not within its limits.
    expect(report.safe).toBe(true);
    expect(report.withinLimits).toBe(false);
  });

  it("accepts a curtailment at node 6 that clears the overvoltage and rejects more generation there", () => {
    const report = checkSafety({
      network: sixNode,
      transactions: [
        { id: "curtail-6", injections: [{ bus: "6", kw: -800 }] },
        { id: "more-pv-6", injections: [{ bus: "6", kw: 200 }] },
      ],
    });
    const [curtail, more] = report.transactions;
    expect(curtail!.safe).toBe(true);
    expect(curtail!.after.violations).toEqual([]);
    expect(curtail!.after.maxVoltage!.vPu).toBeLessThan(1.06);
    expect(more!.safe).toBe(false);
    expect(more!.reasons[0]).toMatch(/overvoltage at 6/);
    expect(report.safe).toBe(false);
    expect(report.withinLimits).toBe(true); // together they still curtail 600 kW
  });

  it("flags a trade that overloads a line", () => {
    const report = checkSafety({
      network: sixNode,
      transactions: [
        {
          id: "big-load-4",
          injections: [
            { bus: "6", kw: -800 },
            { bus: "4", kw: -3000, kvar: -800 },
          ],
        },
      ],
    });
    const reasons = report.transactions[0]!.reasons.join("; ");
    expect(reasons).toMatch(/overcurrent at 3-4/);
  });

  it("checks the frequency band of an islanded network with a droop model", () => {
    const report = checkSafety({
      network: sixNode,
      islanded: { ratedKW: 2000, droopPct: 5 },
      transactions: [
        { id: "small", injections: [{ bus: "3", kw: -100 }] },
        { id: "large", injections: [{ bus: "3", kw: -600 }] },
      ],
    });
    expect(report.before.frequencyPu).toBe(1);
    expect(report.transactions[0]!.after.frequencyPu).toBeGreaterThan(0.994);
    expect(report.transactions[1]!.reasons.join()).toMatch(/underfrequency/);
  });

  it("fingerprints the canonical report with keccak256", async () => {
    const input = {
      network: sixNode,
      transactions: [{ id: "t", injections: [{ bus: "6", kw: -800 }] }],
    };
    const a = await checkSafetyWithFingerprint(input);
    const b = await checkSafetyWithFingerprint(structuredClone(input));
    expect(a.fingerprint.keccak256).toBe(b.fingerprint.keccak256);
    expect(a.fingerprint.keccak256).toBe(keccak256(toHex(canonicalBytes(a.report))));
    const c = await checkSafetyWithFingerprint({
      ...input,
      transactions: [{ id: "t", injections: [{ bus: "6", kw: -801 }] }],
    });
    expect(c.fingerprint.keccak256).not.toBe(a.fingerprint.keccak256);
  });

  it("names bad fields and unknown buses", () => {
    expect(() =>
      checkSafety({
        network: sixNode,
        transactions: [{ id: "t", injections: [{ bus: "6", kw: Number.NaN }] }],
      }),
    ).toThrow(/transactions\.0\.injections\.0\.kw/);
    expect(() =>
      checkSafety({
        network: sixNode,
        transactions: [{ id: "t", injections: [{ bus: "9", kw: 1 }] }],
      }),
    ).toThrow(/unknown bus "9"/);
  });
});
