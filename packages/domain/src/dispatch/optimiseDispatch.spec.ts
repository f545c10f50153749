import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { loadShippedNetwork } from "../grid/shippedNetworks.ts";
import { admmDispatch } from "./admmDispatch.ts";
import { DispatchInfeasibleError, capacityW, offerCost, type Offer } from "./dispatchTypes.ts";
import { meritOrder } from "./meritOrder.ts";
import { optimiseDispatch } from "./optimiseDispatch.ts";

const handOffers: Offer[] = [
  {
    id: "a",
    maxKW: 100,
    segments: [
      { kw: 50, price: 0.3 },
      { kw: 50, price: 0.5 },
    ],
  },
  { id: "b", maxKW: 80, maxKWh: 120, segments: [{ kw: 80, price: 0.2 }] },
  { id: "c", maxKW: 200, segments: [{ kw: 200, price: 0.4 }] },
];

function randomOffers(n: number, seed: number): Offer[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    let p = 0.05 + rnd() * 0.5;
    const segments = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
      kw: Math.round(5 + rnd() * 95),
      price: Math.round((p += rnd() * 0.3) * 1000) / 1000,
    }));
    return { id: `p${i}`, maxKW: 150, maxKWh: 50 + rnd() * 250, segments };
  });
}

const costOf = (offers: Offer[], watts: number[], T: number) =>
  watts.reduce((s, w, i) => s + offerCost(offers[i]!, w / 1000, T), 0);

describe("exact merit order", () => {
  it("fills the cheapest segments first (hand-computed)", () => {
    // T = 2 h: b is capped at 120 kWh / 2 h = 60 kW. Cheapest: b 60 @0.2, a 50 @0.3, c 40 @0.4.
    const res = optimiseDispatch({ deltaTotalKW: 150, durationH: 2, offers: handOffers });
    expect(res.allocations.map((a) => a.kw)).toEqual([50, 60, 40]);
    expect(res.allocations.map((a) => a.watts)).toEqual([50_000, 60_000, 40_000]);
    expect(res.totalCost).toBeCloseTo(60 * 0.2 * 2 + 50 * 0.3 * 2 + 40 * 0.4 * 2, 9);
    expect(res.clearingPrice).toBe(0.4);
    expect(res.status).toBe("optimal");
    expect(res.safety).toBeNull();
  });

  it("reports an infeasible request with the available capacity", () => {
    expect(() => optimiseDispatch({ deltaTotalKW: 361, durationH: 2, offers: handOffers })).toThrow(
      DispatchInfeasibleError,
    );
    expect(() => optimiseDispatch({ deltaTotalKW: 361, durationH: 2, offers: handOffers })).toThrow(
      /at most 360 kW/,
    );
  });

  it("cannot be improved by moving a kilowatt between two offers (random instances)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const offers = randomOffers(30, seed);
      const T = 1.5;
      const caps = offers.map((o) => capacityW(o, T));
      const request = Math.floor(caps.reduce((s, c) => s + c, 0) * 0.6);
      const { watts } = meritOrder(offers, request, T);
      expect(watts.reduce((s, w) => s + w, 0)).toBe(request);
      const base = costOf(offers, watts, T);
      for (let i = 0; i < offers.length; i++)
        for (let j = 0; j < offers.length; j++) {
          if (i === j || watts[i]! < 1000 || watts[j]! + 1000 > caps[j]!) continue;
          const moved = [...watts];
          moved[i]! -= 1000;
          moved[j]! += 1000;
          expect(costOf(offers, moved, T)).toBeGreaterThanOrEqual(base - 1e-9);
        }
    }
  });
});

describe("ADMM dispatch", () => {
  it("converges to the exact cost within 0.1 % and allocates exactly the request", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const offers = randomOffers(seed * 20, seed + 100);
      const T = 2;
      const caps = offers.map((o) => capacityW(o, T));
      const request = Math.floor(caps.reduce((s, c) => s + c, 0) * (0.2 + 0.1 * seed));
      const exact = costOf(offers, meritOrder(offers, request, T).watts, T);
      const admm = admmDispatch(offers, request, T);
      expect(admm.converged).toBe(true);
      expect(admm.watts.reduce((s, w) => s + w, 0)).toBe(request);
      admm.watts.forEach((w, i) => expect(w).toBeLessThanOrEqual(caps[i]!));
      expect(Math.abs(costOf(offers, admm.watts, T) - exact) / exact).toBeLessThan(1e-3);
    }
  });

  it("reports the coordinator's price signal near the merit-order clearing price", () => {
    const res = optimiseDispatch({
      deltaTotalKW: 150,
      durationH: 2,
      offers: handOffers,
      method: "admm",
    });
    expect(res.method).toBe("admm");
    expect(res.iterations).toBeGreaterThan(1);
    expect(res.allocations.map((a) => a.kw)).toEqual([50, 60, 40]);
  });
});

describe("dispatch with the safety re-run loop on the six-node feeder", () => {
  const network = loadShippedNetwork("six-node");
  const offers = [
    { id: "der-1", bus: "1", maxKW: 100, segments: [{ kw: 100, price: 0.2 }] },
    {
      id: "der-2",
      bus: "2",
      maxKW: 300,
      segments: [
        { kw: 150, price: 0.25 },
        { kw: 150, price: 0.3 },
      ],
    },
    { id: "der-5", bus: "5", maxKW: 400, segments: [{ kw: 400, price: 0.35 }] },
    { id: "der-6", bus: "6", maxKW: 1200, segments: [{ kw: 1200, price: 0.4 }] },
  ];

  it("adds constraints until node 6 is back inside its voltage band", () => {
    for (const method of ["exact", "admm"] as const) {
      const res = optimiseDispatch({ deltaTotalKW: 700, durationH: 1, offers, network, method });
      expect(res.status).toBe("optimal");
      expect(res.constraints.length).toBeGreaterThan(0);
      expect(res.constraints[0]!.because).toMatch(/overvoltage at 6/);
      expect(res.safety!.withinLimits).toBe(true);
      expect(res.safety!.after.maxVoltage!.vPu).toBeLessThanOrEqual(1.06);
      expect(res.allocations.reduce((s, a) => s + a.watts, 0)).toBe(700_000);
      // Without the network the cheap but electrically distant offers would win.
      const blind = optimiseDispatch({ deltaTotalKW: 700, durationH: 1, offers, method });
      expect(blind.totalCost).toBeLessThan(res.totalCost);
    }
  });

  it("relieves IEEE 33 undervoltage with the electrically closest offers, exact and ADMM agreeing", () => {
    const ieee33 = { ...loadShippedNetwork("ieee33"), limits: { vMinPu: 0.93, vMaxPu: 1.05 } };
    const near = ["2", "3", "6", "12", "15", "18", "25", "30", "33"].map((bus, i) => ({
      id: `p${bus}`,
      bus,
      maxKW: 400,
      segments: [
        { kw: 200, price: 0.1 + 0.02 * i },
        { kw: 200, price: 0.2 + 0.02 * i },
      ],
    }));
    const request = {
      deltaTotalKW: 900,
      durationH: 1,
      offers: near,
      network: ieee33,
      injectionChange: "increase" as const,
    };
    const exact = optimiseDispatch(request);
    const admm = optimiseDispatch({ ...request, method: "admm" });
    for (const res of [exact, admm]) {
      expect(res.status).toBe("optimal");
      expect(res.safety!.after.minVoltage!.vPu).toBeGreaterThanOrEqual(0.93);
      expect(res.constraints[0]!.because).toMatch(/undervoltage at (18|33)/);
      // Injections far down the feeder help bus 18 more than those near the substation.
      expect(res.constraints[0]!.sensitivities["p18"]!).toBeLessThan(
        res.constraints[0]!.sensitivities["p2"]!,
      );
    }
    expect(Math.abs(admm.totalCost - exact.totalCost) / exact.totalCost).toBeLessThan(1e-3);
    const blind = optimiseDispatch({ ...request, network: undefined });
    expect(blind.totalCost).toBeLessThan(exact.totalCost);
  });

  it("reports unsafe when the loop bound is reached", () => {
    const res = optimiseDispatch({
      deltaTotalKW: 700,
      durationH: 1,
      offers,
      network,
      maxSafetyRounds: 0,
    });
    expect(res.status).toBe("unsafe");
    expect(res.safety!.withinLimits).toBe(false);
  });
});

describe("dispatch input validation", () => {
  it("names the field", () => {
    expect(() =>
      optimiseDispatch({
        deltaTotalKW: 10,
        durationH: 1,
        offers: [
          {
            id: "x",
            maxKW: 10,
            segments: [
              { kw: 5, price: 0.5 },
              { kw: 5, price: 0.4 },
            ],
          },
        ],
      }),
    ).toThrow(/offers\.0\.segments\.1\.price: segment prices must not decrease/);
    expect(() => optimiseDispatch({ deltaTotalKW: -1, durationH: 1, offers: handOffers })).toThrow(
      /deltaTotalKW: must be > 0/,
    );
    expect(() =>
      optimiseDispatch({
        deltaTotalKW: 10,
        durationH: 1,
        offers: handOffers,
        network: loadShippedNetwork("six-node"),
      }),
    ).toThrow(/offers\.0\.bus: required when a network is given/);
  });
});
