import { describe, expect, it } from "vitest";
import { generateDemoDay, loadShape, pvShape, windPowerCurve } from "./profiles.ts";

describe("generateDemoDay", () => {
  const day = generateDemoDay({ prosumers: 50, intervals: 96, seed: 42 });

  it("makes exactly the requested units and intervals", () => {
    expect(day.units).toHaveLength(50);
    for (const unit of day.units) {
      expect(unit.actualWh).toHaveLength(96);
      expect(unit.dayAheadWh).toHaveLength(96);
      expect(unit.intradayWh).toHaveLength(96);
      expect(unit.bus).toBeGreaterThanOrEqual(2);
      expect(unit.bus).toBeLessThanOrEqual(33);
    }
    expect(new Set(day.units.map((u) => u.id)).size).toBe(50);
  });

  it("is reproducible from its seed and differs for another seed", () => {
    expect(generateDemoDay({ prosumers: 50, intervals: 96, seed: 42 })).toEqual(day);
    expect(generateDemoDay({ prosumers: 50, intervals: 96, seed: 43 })).not.toEqual(day);
  });

  it("keeps physical signs: loads import, wind and conventional export, PV is dark at night", () => {
    for (const unit of day.units) {
      if (unit.kind === "load")
        expect(Math.max(...unit.actualWh, ...unit.dayAheadWh)).toBeLessThanOrEqual(0);
      if (unit.kind === "wind" || unit.kind === "conventional")
        expect(Math.min(...unit.actualWh, ...unit.dayAheadWh)).toBeGreaterThanOrEqual(0);
      if (unit.kind === "pv") expect(unit.actualWh[8]!).toBeLessThanOrEqual(0); // 02:00: own load only
      expect(unit.renewable).toBe(unit.kind === "pv" || unit.kind === "wind");
    }
  });

  it("forecasts better intraday than day-ahead", () => {
    let errDA = 0;
    let errID = 0;
    for (const unit of day.units)
      for (let t = 0; t < 96; t++) {
        errDA += Math.abs(unit.dayAheadWh[t]! - unit.actualWh[t]!);
        errID += Math.abs(unit.intradayWh[t]! - unit.actualWh[t]!);
      }
    expect(errID).toBeLessThan(errDA);
  });

  it("prices the grid above its feed-in tariff in every interval", () => {
    day.gridBuyPrice.forEach((p, t) => expect(p).toBeGreaterThan(day.feedInPrice[t]!));
  });
});

describe("shapes", () => {
  it("PV peaks at noon and is zero at night", () => {
    expect(pvShape(12)).toBeCloseTo(1);
    expect(pvShape(3)).toBe(0);
    expect(pvShape(20)).toBe(0);
  });
  it("load peaks in the evening", () => {
    expect(loadShape(19.5)).toBeGreaterThan(loadShape(8));
    expect(loadShape(8)).toBeGreaterThan(loadShape(3));
  });
  it("wind follows cut-in, rated and cut-out speeds", () => {
    expect(windPowerCurve(2)).toBe(0);
    expect(windPowerCurve(13)).toBe(1);
    expect(windPowerCurve(26)).toBe(0);
    expect(windPowerCurve(8)).toBeGreaterThan(0);
    expect(windPowerCurve(8)).toBeLessThan(1);
  });
});
