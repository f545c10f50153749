import { describe, expect, it } from "vitest";
import { loadShippedNetwork } from "../grid/shippedNetworks.ts";
import { combineMasses, combineTwo } from "./combineMasses.ts";
import { belief, decide, plausibility } from "./decide.ts";
import { evaluateEvidence } from "./evaluateEvidence.ts";
import { TotalConflictError, fullSet, parseEvidence, popcount, setNames } from "./massFunction.ts";
import {
  contrastPlausibility,
  selectCounterparty,
  sourceMass,
  type SelectionInput,
} from "./selectCounterparty.ts";

const frame = ["A", "B", "C"];

describe("Dempster's rule", () => {
  it("reproduces Zadeh's example: K = 0.9999 and all mass on the minor hypothesis B", () => {
    const res = evaluateEvidence({
      frame,
      sources: [
        {
          name: "doctor1",
          masses: [
            { set: ["A"], mass: 0.99 },
            { set: ["B"], mass: 0.01 },
          ],
        },
        {
          name: "doctor2",
          masses: [
            { set: ["C"], mass: 0.99 },
            { set: ["B"], mass: 0.01 },
          ],
        },
      ],
    });
    expect(res.conflict).toBeCloseTo(0.9999, 12);
    expect(res.masses).toEqual([{ set: ["B"], mass: 1 }]);
    expect(res.belief).toEqual({ A: 0, B: 1, C: 0 });
    expect(res.plausibility).toEqual({ A: 0, B: 1, C: 0 });
    expect(res.decision).toBe("B");
  });

  it("matches a hand-computed two-source case (K = 0.3)", () => {
    // m1: {A} .6, Ω .4; m2: {B} .5, {A,B} .3, Ω .2.
    // ∅ = .6·.5 = .3; A = .6·.3 + .6·.2 = .3; B = .4·.5 = .2; AB = .4·.3 = .12; Ω = .08; c = .7
    const res = evaluateEvidence({
      frame,
      sources: [
        {
          name: "s1",
          masses: [
            { set: ["A"], mass: 0.6 },
            { set: frame, mass: 0.4 },
          ],
        },
        {
          name: "s2",
          masses: [
            { set: ["B"], mass: 0.5 },
            { set: ["A", "B"], mass: 0.3 },
            { set: ["C", "B", "A"], mass: 0.2 },
          ],
        },
      ],
      epsilon1: 0.1,
      epsilon2: 0.2,
    });
    expect(res.conflict).toBeCloseTo(0.3, 12);
    const m = Object.fromEntries(res.masses.map((f) => [f.set.join(""), f.mass]));
    expect(m["A"]).toBeCloseTo(0.3 / 0.7, 12);
    expect(m["B"]).toBeCloseTo(0.2 / 0.7, 12);
    expect(m["AB"]).toBeCloseTo(0.12 / 0.7, 12);
    expect(m["ABC"]).toBeCloseTo(0.08 / 0.7, 12);
    expect(res.belief["A"]).toBeCloseTo(0.3 / 0.7, 12);
    expect(res.plausibility["A"]).toBeCloseTo(0.5 / 0.7, 12);
    expect(res.plausibility["C"]).toBeCloseTo(0.08 / 0.7, 12);
    expect(res.decision).toBe("A"); // gap .143 > .1, M(Ω) .114 < .2, M(A) > M(Ω)
    expect(res.rule.checks).toEqual({ gap: true, uncertainty: true, dominance: true });
  });

  it("applies each condition of eq. (9)", () => {
    const { sources } = parseEvidence({
      frame,
      sources: [
        {
          name: "s1",
          masses: [
            { set: ["A"], mass: 0.6 },
            { set: frame, mass: 0.4 },
          ],
        },
        {
          name: "s2",
          masses: [
            { set: ["B"], mass: 0.5 },
            { set: frame, mass: 0.5 },
          ],
        },
      ],
    });
    const { mass } = combineTwo(sources[0]!.mass, sources[1]!.mass);
    // ∅ .3, A .3, B .2, Ω .2 → /0.7: A .4286, B .2857, Ω .2857
    expect(decide(mass, 0.1, 0.3).decision).toBe("A");
    expect(decide(mass, 0.2, 0.3).decision).toBeNull(); // gap .143 < .2
    expect(decide(mass, 0.1, 0.25).decision).toBeNull(); // M(Ω) .286 ≥ .25
    expect(decide(mass, 0.1, 0.25).checks.uncertainty).toBe(false);
  });

  it("combines n sources like repeated pairwise combination, with the joint conflict", () => {
    const { sources } = parseEvidence({
      frame,
      sources: [
        {
          name: "a",
          masses: [
            { set: ["A"], mass: 0.5 },
            { set: ["B", "C"], mass: 0.3 },
            { set: frame, mass: 0.2 },
          ],
        },
        {
          name: "b",
          masses: [
            { set: ["B"], mass: 0.4 },
            { set: ["A", "C"], mass: 0.4 },
            { set: frame, mass: 0.2 },
          ],
        },
        {
          name: "c",
          masses: [
            { set: ["C"], mass: 0.7 },
            { set: frame, mass: 0.3 },
          ],
        },
      ],
    });
    const [a, b, c] = sources.map((s) => s.mass);
    const all = combineMasses([a!, b!, c!]);
    const ab = combineTwo(a!, b!);
    const abc = combineTwo(ab.mass, c!);
    for (const [set, m] of abc.mass.masses) expect(all.mass.masses.get(set)).toBeCloseTo(m, 12);
    expect(all.conflict).toBeCloseTo(1 - (1 - ab.conflict) * (1 - abc.conflict), 12);
    const total = [...all.mass.masses.values()].reduce((s, v) => s + v, 0);
    expect(total).toBeCloseTo(1, 12);
  });

  it("throws TotalConflictError instead of dividing by zero when K = 1", () => {
    const input = {
      frame,
      sources: [
        { name: "s1", masses: [{ set: ["A"], mass: 1 }] },
        { name: "s2", masses: [{ set: ["B"], mass: 1 }] },
      ],
    };
    expect(() => evaluateEvidence(input)).toThrow(TotalConflictError);
    expect(() => evaluateEvidence(input)).toThrow(/K = 1.*s1, s2/);
  });

  it("works on a full 32-hypothesis frame (bit 31)", () => {
    const big = Array.from({ length: 32 }, (_, i) => `h${i}`);
    expect(fullSet(32)).toBe(0xffffffff);
    expect(popcount(fullSet(32))).toBe(32);
    const { sources } = parseEvidence({
      frame: big,
      sources: [
        {
          name: "s1",
          masses: [
            { set: ["h31"], mass: 0.7 },
            { set: big, mass: 0.3 },
          ],
        },
        {
          name: "s2",
          masses: [
            { set: ["h31", "h0"], mass: 0.5 },
            { set: big, mass: 0.5 },
          ],
        },
      ],
    });
    const { mass, conflict } = combineTwo(sources[0]!.mass, sources[1]!.mass);
    expect(conflict).toBe(0);
    const h31 = 0x80000000;
    expect(mass.masses.get(h31)).toBeCloseTo(0.7, 12);
    expect(mass.masses.get((h31 | 1) >>> 0)).toBeCloseTo(0.15, 12);
    expect(setNames(big, (h31 | 1) >>> 0)).toEqual(["h0", "h31"]);
    expect(belief(mass, h31)).toBeCloseTo(0.7, 12);
    expect(plausibility(mass, 1)).toBeCloseTo(0.3, 12);
    expect(decide(mass, 0.1, 0.2).decision).toBe("h31");
  });
});

describe("evidence input validation", () => {
  const ok = {
    name: "s",
    masses: [
      { set: ["A"], mass: 0.5 },
      { set: ["B"], mass: 0.5 },
    ],
  };
  it("rejects masses that do not sum to 1, naming the source", () => {
    expect(() =>
      evaluateEvidence({
        frame,
        sources: [
          ok,
          {
            name: "bad",
            masses: [
              { set: ["A"], mass: 0.5 },
              { set: ["B"], mass: 0.4 },
            ],
          },
        ],
      }),
    ).toThrow(/sources\.1\.masses: masses must sum to 1 \(they sum to 0\.9\)/);
  });
  it("names unknown hypotheses, empty sets, bad masses and oversized frames", () => {
    expect(() =>
      evaluateEvidence({ frame, sources: [{ name: "s", masses: [{ set: ["D"], mass: 1 }] }] }),
    ).toThrow(/sources\.0\.masses\.0\.set\.0: "D" is not in the frame/);
    expect(() =>
      evaluateEvidence({ frame, sources: [{ name: "s", masses: [{ set: [], mass: 1 }] }] }),
    ).toThrow(/sources\.0\.masses\.0\.set/);
    expect(() =>
      evaluateEvidence({ frame, sources: [{ name: "s", masses: [{ set: ["A"], mass: 1.5 }] }] }),
    ).toThrow(/sources\.0\.masses\.0\.mass: must be between 0 and 1/);
    expect(() =>
      evaluateEvidence({ frame: Array.from({ length: 33 }, (_, i) => `h${i}`), sources: [ok] }),
    ).toThrow(/frame: at most 32/);
    expect(() => evaluateEvidence({ frame: ["A", "A"], sources: [ok] })).toThrow(
      /frame\.1: duplicate/,
    );
  });
});

describe("counterparty selection from trading history", () => {
  const good = {
    forecasts: Array.from({ length: 40 }, () => ({ forecastKWh: 10, actualKWh: 9.8 })),
    lineFaults: { periods: 200, faults: 1 },
    storage: { requests: 50, available: 49 },
    loadShedding: { periods: 200, sheds: 2 },
  };
  const poor = {
    forecasts: Array.from({ length: 40 }, (_, i) => ({
      forecastKWh: 10,
      actualKWh: i % 2 ? 4 : 12,
    })),
    lineFaults: { periods: 200, faults: 40 },
    storage: { requests: 50, available: 20 },
    loadShedding: { periods: 200, sheds: 50 },
  };
  const input: SelectionInput = {
    candidates: [
      { id: "pv-2", bus: "2", history: poor },
      { id: "es-5", bus: "5", history: good },
      { id: "wt-6", bus: "6", history: good },
    ],
    epsilon1: 0.05,
    epsilon2: 0.2,
  };

  it("ranks by the fused evidence and decides for the most reliable unit", () => {
    const res = selectCounterparty({ ...input, candidates: input.candidates.slice(0, 2) });
    expect(res.ranking.map((c) => c.id)).toEqual(["es-5", "pv-2"]);
    expect(res.decision).toBe("es-5");
    expect(res.ranking[0]!.scores.forecast).toBeGreaterThan(res.ranking[1]!.scores.forecast!);
    expect(res.conflict).toBe(0); // every source's focal sets contain es-5
    expect(res.reasons[0]).toMatch(/^gap M\(es-5\) − M\(pv-2\) = 1\.000 > ε1 = 0\.05/);
  });

  it("gives no decision between two equally good units (eq. 9 gap)", () => {
    const res = selectCounterparty({ ...input, candidates: input.candidates.slice(1) });
    expect(res.decision).toBeNull();
    expect(res.ranking[0]!.mass).toBeCloseTo(res.ranking[1]!.mass, 12);
    expect(res.rule!.mOmega).toBe(1);
    expect(res.reasons[1]).toMatch(/ignorance M\(Ω\) = 1\.000 ≥ ε2/);
  });

  it("drops candidates whose trade fails the power-flow safety check", () => {
    // After the event (node 6 curtailed to 1100 kW) the feeder is inside its band; selling 500 kW
    // more from node 6 to node 4 pushes node 6 above 1.06 pu, selling from node 5 does not.
    const network = loadShippedNetwork("six-node");
    network.buses[5]!.genKW = 1100;
    const res = selectCounterparty({
      ...input,
      trade: { network, buyerBus: "4", quantityKW: 500 },
    });
    expect(res.excluded.map((e) => e.id)).toEqual(["wt-6"]);
    expect(res.excluded.map((e) => e.id)).toContain("wt-6");
    expect(res.excluded.find((e) => e.id === "wt-6")!.reason).toMatch(/overvoltage at 6/);
    expect(res.decision).toBe("es-5");
  });

  it("accepts a caller's safety filter and handles no eligible candidate", () => {
    const res = selectCounterparty(input, {
      safetyFilter: () => ({ safe: false, reason: "line 3-5 out" }),
    });
    expect(res.decision).toBeNull();
    expect(res.ranking).toEqual([]);
    expect(res.excluded).toHaveLength(3);
  });

  it("names bad history fields", () => {
    expect(() =>
      selectCounterparty({
        candidates: [{ id: "x", history: { storage: { requests: 2, available: 3 } } }],
      }),
    ).toThrow(/candidates\.0\.history\.storage\.available: cannot exceed requests/);
  });

  // Realistic fleet: every unit observed for 24 delivery periods and 20 TDVA calls; the mediocre
  // ones deliver within band 19-21 times in 24 (79-88 %), the dominant one 23 times.
  const unit = (forecastOk: number, faults: number, stored: number, shed: number) => ({
    forecasts: Array.from({ length: 24 }, (_, i) => ({
      forecastKWh: 10,
      actualKWh: i < forecastOk ? 10.2 : 7,
    })),
    lineFaults: { periods: 24, faults },
    storage: { requests: 20, available: stored },
    loadShedding: { periods: 20, sheds: shed },
  });
  const fleet = (n: number) => [
    { id: "best", history: unit(23, 0, 20, 0) },
    ...Array.from({ length: n - 1 }, (_, i) => ({
      id: `u${i}`,
      history: unit(19 + (i % 3), 2 + (i % 2), 16 + (i % 3), 2 + (i % 2)),
    })),
  ];

  for (const n of [5, 10, 50])
    it(`chooses a clearly better unit among N = ${n} candidates under eq. (9)`, () => {
      const res = selectCounterparty({ candidates: fleet(n) });
      expect(res.decision).toBe("best");
      expect(res.rule!.checks).toEqual({ gap: true, uncertainty: true, dominance: true });
      expect(res.rule!.mx).toBeGreaterThan(0.8);
      expect(res.ranking[0]!.id).toBe("best");
      expect(res.excluded).toHaveLength(Math.max(0, n - 32));
    });

  it("gives no decision among N = 10 equal units (all mass stays on Ω)", () => {
    const candidates = Array.from({ length: 10 }, (_, i) => ({
      id: `u${i}`,
      history: unit(20, 2, 17, 2),
    }));
    const res = selectCounterparty({ candidates });
    expect(res.decision).toBeNull();
    expect(res.rule!.mOmega).toBeCloseTo(1, 12);
    expect(res.sources.every((s) => s.masses.length === 1)).toBe(true);
  });

  it("does not decide on a unit only slightly better in one source", () => {
    const candidates = fleet(10).map((c, i) =>
      i === 0 ? { ...c, history: unit(21, 2, 17, 2) } : { ...c, history: unit(20, 2, 17, 2) },
    );
    expect(selectCounterparty({ candidates }).decision).toBeNull();
  });

  it("throws TotalConflictError when sources single out different units with certainty", () => {
    const sure = (ok: boolean) => ({
      forecasts: Array.from({ length: 5000 }, () => ({ forecastKWh: 10, actualKWh: ok ? 10 : 0 })),
      lineFaults: { periods: 5000, faults: ok ? 5000 : 0 },
    });
    expect(() =>
      selectCounterparty({
        candidates: [
          { id: "a", history: sure(true) },
          { id: "b", history: sure(false) },
        ],
      }),
    ).toThrow(TotalConflictError);
  });

  it("builds a consonant mass per source; candidates without data stay in every focal set", () => {
    const pl = contrastPlausibility([
      { trials: 24, successes: 23 },
      { trials: 24, successes: 12 },
      null,
    ]);
    expect(pl[0]).toBe(1);
    expect(pl[1]).toBeGreaterThan(0);
    expect(pl[1]).toBeLessThan(0.01);
    expect(pl[2]).toBeNull();
    const m = sourceMass(["a", "b", "c"], pl);
    expect(m.masses.get(0b101)).toBeCloseTo(1 - pl[1]!, 12); // {a} ∪ no-data {c}
    expect(m.masses.get(0b111)).toBeCloseTo(pl[1]!, 12);
    expect(sourceMass(["a", "b"], [null, null]).masses).toEqual(new Map([[0b11, 1]]));
  });
});
