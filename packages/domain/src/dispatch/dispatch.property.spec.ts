import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admmDispatch } from "./admmDispatch.ts";
import { DispatchInfeasibleError, capacityW, offerCost, type Offer } from "./dispatchTypes.ts";
import { meritOrder } from "./meritOrder.ts";

const offerArb = (id: number): fc.Arbitrary<Offer> =>
  fc
    .record({
      maxKW: fc.integer({ min: 1, max: 300 }),
      maxKWh: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
      segments: fc.array(
        fc.record({ kw: fc.integer({ min: 1, max: 150 }), step: fc.integer({ min: 0, max: 500 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ maxKW, maxKWh, segments }) => {
      let price = 0;
      return {
        id: `p${id}`,
        maxKW,
        ...(maxKWh === undefined ? {} : { maxKWh }),
        segments: segments.map((s) => ({ kw: s.kw, price: (price += s.step) / 1000 })),
      };
    });

const caseArb = fc
  .integer({ min: 1, max: 25 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => offerArb(i))),
      fc.double({ min: 0.05, max: 1.2, noNaN: true }),
      fc.constantFrom(0.25, 1, 2),
    ),
  );

const cost = (offers: Offer[], watts: number[], T: number) =>
  watts.reduce((s, w, i) => s + offerCost(offers[i]!, w / 1000, T), 0);

describe("dispatch properties", () => {
  it("merit order and ADMM respect caps, sum exactly, and ADMM is within 0.1 % of the exact cost", () => {
    fc.assert(
      fc.property(caseArb, ([offers, share, T]) => {
        const caps = offers.map((o) => capacityW(o, T));
        const total = caps.reduce((s, c) => s + c, 0);
        const request = Math.max(1, Math.round(total * share));
        if (request > total) {
          expect(() => meritOrder(offers, request, T)).toThrow(DispatchInfeasibleError);
          expect(() => admmDispatch(offers, request, T)).toThrow(DispatchInfeasibleError);
          return;
        }
        const exact = meritOrder(offers, request, T);
        const admm = admmDispatch(offers, request, T);
        for (const res of [exact.watts, admm.watts]) {
          expect(res.reduce((s, w) => s + w, 0)).toBe(request);
          res.forEach((w, i) => {
            expect(Number.isInteger(w)).toBe(true);
            expect(w).toBeGreaterThanOrEqual(0);
            expect(w).toBeLessThanOrEqual(caps[i]!);
          });
        }
        const ce = cost(offers, exact.watts, T);
        const ca = cost(offers, admm.watts, T);
        expect(ca).toBeGreaterThanOrEqual(ce - 1e-9);
        expect(ca - ce).toBeLessThanOrEqual(1e-3 * ce + 1e-9);
      }),
      { numRuns: 150 },
    );
  });
});
