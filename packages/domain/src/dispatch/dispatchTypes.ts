import { z } from "zod";
import { BaseError } from "../errors.ts";
import { NetworkSchema } from "../grid/network.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const positive = finite.refine((v) => v > 0, "must be > 0");

/** One capacity segment of a provider's subsidy curve: `kw` more kW at `price` per kWh. */
export const SegmentSchema = z.object({
  kw: positive,
  price: finite.refine((v) => v >= 0, "must be >= 0"),
});

/** A flexibility provider's quote (001 §3.3.1): ΔP_i,max, W_i,max and a segmented price curve. */
export const OfferSchema = z
  .object({
    id: z.string().min(1),
    bus: z.string().min(1).optional(),
    maxKW: positive,
    maxKWh: positive.optional(),
    segments: z.array(SegmentSchema).min(1, "needs at least one segment"),
  })
  .superRefine((offer, ctx) => {
    offer.segments.forEach((seg, i) => {
      const prev = offer.segments[i - 1];
      if (prev && seg.price < prev.price)
        ctx.addIssue({
          code: "custom",
          path: ["segments", i, "price"],
          message: "segment prices must not decrease (the quote must be a convex curve)",
        });
    });
  });

export const DispatchRequestSchema = z
  .object({
    deltaTotalKW: positive,
    durationH: positive,
    /** "decrease" (default): providers lower their net injection (curtail generation, add load). */
    injectionChange: z.enum(["decrease", "increase"]).default("decrease"),
    offers: z.array(OfferSchema).min(1, "needs at least one offer"),
    network: NetworkSchema.optional(),
    method: z.enum(["exact", "admm"]).default("exact"),
    /** Safety re-runs (001 step 3): how many times a violated constraint may be added. */
    maxSafetyRounds: z.number().int().min(0).max(100).default(10),
    /**
     * How far inside a violated limit the added constraint aims, as a fraction of the limit
     * (default 0.001: 1.06 pu → 1.05894 pu), so small delivery deviations keep it inside.
     */
    safetyMargin: z.number().min(0).max(0.1).default(0.001),
  })
  .superRefine((req, ctx) => {
    const ids = new Set<string>();
    req.offers.forEach((o, i) => {
      if (ids.has(o.id))
        ctx.addIssue({
          code: "custom",
          path: ["offers", i, "id"],
          message: `duplicate offer id "${o.id}"`,
        });
      ids.add(o.id);
      if (req.network && o.bus === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["offers", i, "bus"],
          message: "required when a network is given",
        });
      if (req.network && o.bus !== undefined && !req.network.buses.some((b) => b.id === o.bus))
        ctx.addIssue({
          code: "custom",
          path: ["offers", i, "bus"],
          message: `unknown bus "${o.bus}"`,
        });
    });
  });

export type Offer = z.output<typeof OfferSchema>;
export type DispatchRequest = z.output<typeof DispatchRequestSchema>;
export type DispatchRequestInput = z.input<typeof DispatchRequestSchema>;

/** The offers cannot cover the requested change. */
export class DispatchInfeasibleError extends BaseError {
  override name = "DispatchInfeasibleError";
  constructor(
    readonly requestedKW: number,
    readonly availableKW: number,
  ) {
    super(
      `dispatch infeasible: the offers can provide at most ${availableKW} kW (after their ΔP_max and energy caps W_max / T) of the ${requestedKW} kW requested`,
    );
  }
}

/** Usable capacity of an offer in watts: min(ΔP_max, W_max / T, Σ segments), floored. */
export function capacityW(offer: Offer, durationH: number): number {
  const segs = offer.segments.reduce((s, seg) => s + Math.round(seg.kw * 1000), 0);
  const energy =
    offer.maxKWh === undefined ? Infinity : Math.floor((offer.maxKWh * 1000) / durationH + 1e-9);
  return Math.min(Math.floor(offer.maxKW * 1000 + 1e-9), energy, segs);
}

/** Cost of giving `kw` to an offer for `durationH` hours: Σ over segments price × kW × h. */
export function offerCost(offer: Offer, kw: number, durationH: number): number {
  let left = kw;
  let cost = 0;
  for (const seg of offer.segments) {
    if (left <= 0) break;
    const take = Math.min(left, seg.kw);
    cost += take * seg.price * durationH;
    left -= take;
  }
  return cost;
}

/** Price of the segment the next kW of this offer would come from (or the last one at the cap). */
export function marginalPrice(offer: Offer, kw: number): number {
  let acc = 0;
  for (const seg of offer.segments) {
    acc += seg.kw;
    if (kw < acc - 1e-9) return seg.price;
  }
  return offer.segments[offer.segments.length - 1]!.price;
}
