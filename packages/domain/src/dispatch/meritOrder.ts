import { DispatchInfeasibleError, capacityW, type Offer } from "./dispatchTypes.ts";

/** Allocation in integer watts per offer (same order as the offers) and the marginal price. */
export type IntegerAllocation = {
  watts: number[];
  /** Price of the last segment used (currency per kWh): the merit-order clearing price. */
  clearingPrice: number;
};

/**
 * Exact solution of 001 eq. (7) for convex segmented quotes: sort every capacity segment of every
 * offer by price (ties: offer order, then segment order) and fill the request cheapest first, in
 * integer watts so the result can be written on-chain as is. `capsW` (optional) tightens offers'
 * capacities, which is how the safety loop adds constraints. O(k log k) for k segments.
 *
 * @example meritOrder(offers, 500_000, 2).watts // [300000, 200000, 0]
 */
export function meritOrder(
  offers: Offer[],
  requestW: number,
  durationH: number,
  capsW?: number[],
): IntegerAllocation {
  const n = offers.length;
  const cap = offers.map((o, i) => Math.min(capacityW(o, durationH), capsW?.[i] ?? Infinity));
  const total = cap.reduce((s, c) => s + c, 0);
  if (total < requestW) throw new DispatchInfeasibleError(requestW / 1000, total / 1000);
  // Flattened segments: price, offer, width (W) after truncation at the offer's cap.
  const price: number[] = [];
  const owner: number[] = [];
  const width: number[] = [];
  for (let i = 0; i < n; i++) {
    let left = cap[i]!;
    for (const seg of offers[i]!.segments) {
      if (left <= 0) break;
      const w = Math.min(left, Math.round(seg.kw * 1000));
      price.push(seg.price);
      owner.push(i);
      width.push(w);
      left -= w;
    }
  }
  const idx = Array.from(price.keys());
  idx.sort((a, b) => price[a]! - price[b]! || owner[a]! - owner[b]! || a - b);
  const watts = new Array<number>(n).fill(0);
  let left = requestW;
  let clearingPrice = 0;
  for (const k of idx) {
    if (left <= 0) break;
    const take = Math.min(left, width[k]!);
    if (take <= 0) continue;
    watts[owner[k]!]! += take;
    left -= take;
    clearingPrice = price[k]!;
  }
  return { watts, clearingPrice };
}
