import { describe, expect, it } from "vitest";
import { compareSeries, type TrustInput } from "./compareSeries.ts";

/** 24 hours of 15-minute readings starting at `day`, energy per hour from `profile`. */
function day(date: string, profile: (h: number) => number) {
  const out: { start: string; kwh: number }[] = [];
  for (let h = 0; h < 24; h++)
    for (let q = 0; q < 4; q++)
      out.push({
        start: `${date}T${String(h).padStart(2, "0")}:${String(q * 15).padStart(2, "0")}:00Z`,
        kwh: profile(h) / 4,
      });
  return out;
}
const base = (h: number) => 20 + 10 * Math.sin((Math.PI * h) / 24);

function input(overrides: Partial<TrustInput> = {}): TrustInput {
  return {
    direct: {
      source: "terminal-17",
      readings: day("2026-11-18", base),
      similarDay: day("2026-11-11", (h) => base(h) * 1.02),
    },
    reported: [
      {
        source: "aggregator-A",
        readings: day("2026-11-18", (h) => base(h) * 1.03),
        similarDay: day("2026-11-11", (h) => base(h) * 1.04),
      },
    ],
    ...overrides,
  };
}

describe("trusted comparison (000 IV.B)", () => {
  it("trusts every hour and source when the aggregator stays within the tolerances", () => {
    const report = compareSeries(input());
    expect(report.trustedIntervals).toHaveLength(24);
    expect(report.sources.every((s) => s.trusted)).toBe(true);
    const dims = new Set(report.checks.map((c) => c.dimension));
    expect(dims).toEqual(new Set(["own-history", "internal", "cross-source"]));
    const hourly = report.checks.find((c) => c.rule === "hourly energy vs direct")!;
    expect(hourly.deviationPct).toBeCloseTo(3, 6);
    expect(report.comparisons).toBe(report.checks.length);
  });

  it("distrusts the hours where the aggregator deviates by more than 10 %", () => {
    const report = compareSeries(
      input({
        reported: [
          {
            source: "aggregator-A",
            readings: day("2026-11-18", (h) => base(h) * (h === 9 || h === 10 ? 1.15 : 1.0)),
          },
        ],
      }),
    );
    expect(report.hours.filter((h) => !h.trusted).map((h) => h.start)).toEqual([
      "2026-11-18T09:00:00.000Z",
      "2026-11-18T10:00:00.000Z",
    ]);
    expect(report.hours[9]!.reasons[0]).toMatch(
      /aggregator-A: hourly energy vs direct.*15 % > 10 %/,
    );
    const agg = report.sources.find((s) => s.source === "aggregator-A")!;
    expect(agg.trusted).toBe(false);
    // The daily total moves by only 1.5 %: the daily total rule does not flag it.
    expect(agg.reasons.filter((r) => r.startsWith("hourly"))).toHaveLength(2);
    expect(agg.reasons.some((r) => r.startsWith("daily total"))).toBe(false);
  });

  it("flags a gradual drift against the similar day (daily ±5 % rule) and a fluctuation change", () => {
    const report = compareSeries(
      input({
        reported: [
          {
            source: "aggregator-B",
            readings: day("2026-11-18", (h) => base(h) * 1.08),
            similarDay: day("2026-11-11", (h) => base(h) * 1.0),
          },
        ],
      }),
    );
    // 8 % everywhere: within the hourly 10 %, outside the daily 5 % (cross-source and own history).
    expect(report.trustedIntervals).toHaveLength(24);
    const reasons = report.sources.find((s) => s.source === "aggregator-B")!.reasons;
    expect(reasons.some((r) => r.startsWith("daily total vs direct"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("daily total vs similar day"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("daily fluctuation vs direct"))).toBe(true);
  });

  it("checks each source internally: missing readings, duplicates, negative values", () => {
    const readings = day("2026-11-18", base);
    readings.splice(4, 1); // one reading missing in hour 1
    readings.push({ ...readings[10]! }); // a duplicate
    const report = compareSeries(input({ direct: { source: "terminal-17", readings } }));
    const direct = report.sources.find((s) => s.role === "direct")!;
    expect(direct.trusted).toBe(false);
    expect(direct.reasons.join("\n")).toMatch(/4 readings per hour at 2026-11-18T01:00:00.000Z/);
    expect(direct.reasons.join("\n")).toMatch(/1 duplicate/);
    expect(report.hours[1]!.trusted).toBe(false);
  });

  it("never divides by zero: a zero reference with a non-zero value fails with a note", () => {
    const report = compareSeries(
      input({
        direct: { source: "d", readings: day("2026-11-18", (h) => (h < 6 ? 0 : base(h))) },
        reported: [
          { source: "r", readings: day("2026-11-18", (h) => (h === 2 ? 1 : h < 6 ? 0 : base(h))) },
        ],
      }),
    );
    const zero = report.checks.find(
      (c) =>
        c.interval === "2026-11-18T02:00:00.000Z" &&
        c.source === "r" &&
        c.dimension === "cross-source",
    )!;
    expect(zero.deviationPct).toBeNull();
    expect(zero.pass).toBe(false);
    expect(report.hours[0]!.trusted).toBe(true); // 0 vs 0 agrees
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it("names bad fields", () => {
    expect(() =>
      compareSeries({
        direct: { source: "d", readings: [{ start: "yesterday", kwh: 1 }] },
        reported: [],
      }),
    ).toThrow(/direct\.readings\.0\.start.*reported: needs at least one/);
    expect(() => compareSeries(input({ tolerances: { hourlyPct: 120 } }))).toThrow(
      /tolerances\.hourlyPct: must be between 0 and 100/,
    );
  });
});
