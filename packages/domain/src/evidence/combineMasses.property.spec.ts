import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combineMasses, combineTwo } from "./combineMasses.ts";
import { belief, plausibility } from "./decide.ts";
import { TotalConflictError, fullSet, type MassFunction } from "./massFunction.ts";

const FRAME = Array.from({ length: 6 }, (_, i) => `h${i}`);
const OMEGA = fullSet(FRAME.length);

/** Random mass function: up to 4 focal sets with random weights, normalised. */
const massArb: fc.Arbitrary<MassFunction> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: OMEGA }), fc.integer({ min: 1, max: 1000 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((focal) => {
    const total = focal.reduce((s, [, w]) => s + w, 0);
    const masses = new Map<number, number>();
    for (const [set, w] of focal) masses.set(set, (masses.get(set) ?? 0) + w / total);
    return { frame: FRAME, masses };
  });

function sameMasses(a: MassFunction, b: MassFunction) {
  expect(new Set(a.masses.keys())).toEqual(new Set(b.masses.keys()));
  for (const [set, m] of a.masses) expect(b.masses.get(set)).toBeCloseTo(m, 9);
}

describe("Dempster's rule properties", () => {
  it("is commutative, normalised and keeps Bel ≤ Pl (or reports total conflict)", () => {
    fc.assert(
      fc.property(massArb, massArb, (a, b) => {
        let ab;
        try {
          ab = combineTwo(a, b);
        } catch (error) {
          expect(error).toBeInstanceOf(TotalConflictError);
          return;
        }
        sameMasses(ab.mass, combineTwo(b, a).mass);
        const total = [...ab.mass.masses.values()].reduce((s, v) => s + v, 0);
        expect(total).toBeCloseTo(1, 9);
        expect(ab.conflict).toBeGreaterThanOrEqual(0);
        expect(ab.conflict).toBeLessThan(1);
        for (let i = 0; i < FRAME.length; i++) {
          const set = 1 << i;
          expect(belief(ab.mass, set)).toBeLessThanOrEqual(plausibility(ab.mass, set) + 1e-12);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("is associative: ((a ⊕ b) ⊕ c) = (a ⊕ (b ⊕ c)) = combine([a, b, c])", () => {
    fc.assert(
      fc.property(massArb, massArb, massArb, (a, b, c) => {
        let all;
        try {
          all = combineMasses([a, b, c]);
        } catch (error) {
          expect(error).toBeInstanceOf(TotalConflictError);
          return;
        }
        sameMasses(combineTwo(combineTwo(a, b).mass, c).mass, all.mass);
        sameMasses(combineTwo(a, combineTwo(b, c).mass).mass, all.mass);
      }),
      { numRuns: 100 },
    );
  });

  it("leaves a mass function unchanged when combined with the vacuous one (m(Ω) = 1)", () => {
    const vacuous = { frame: FRAME, masses: new Map([[OMEGA, 1]]) };
    fc.assert(
      fc.property(massArb, (a) => {
        const res = combineTwo(a, vacuous);
        expect(res.conflict).toBe(0);
        sameMasses(res.mass, a);
      }),
      { numRuns: 100 },
    );
  });
});
