/**
 * Pure market helpers mirroring IEnergyMarket: order ids, the clearing lists in the paper's
 * order, escrow previews, packed clearing records for `tally` and `settle`, depth curves and the
 * clearing summary.
 * Money inside the market is in milli-units (1 token base unit = 1000 milli-units), prices in
 * token base units per kWh, quantities in Wh, so price × quantity is exactly milli-units.
 */

import { buildClearingLists, type ClearingLists } from "@gridledger/domain/market";

export {
  orderedClearingRecords,
  packMatchRecord as packMatch,
  packUnmatchedRecord as packUnmatched,
  recordsAfterRestart,
  type OrderedRecord,
} from "@gridledger/protocol";

export const SIDE = { Buy: 0, Sell: 1 } as const;
export const INTERVAL_KIND = ["Day-ahead", "Intraday", "Real-time"] as const;
export const INTERVAL_STATUS = ["None", "Open", "Cleared", "Settled"] as const;
export const MILLI_PER_UNIT = 1_000n;

/** An order as the market returns it (`order(id)`), with its id. */
export type MarketOrder = {
  id: bigint;
  owner: `0x${string}`;
  side: number;
  renewable: boolean;
  cancelled: boolean;
  price: bigint;
  quantity: bigint;
};

/** The delivery-period parameters the escrow needs (`period(id)`). */
export type EscrowParams = { gridBuyPrice: bigint; bondRate: bigint };

/** Order id = intervalId << 32 | sequence (sequence from 1). */
export function orderId(intervalId: bigint, seq: bigint): bigint {
  return (intervalId << 32n) | seq;
}

/** The low 32 bits of an order id. */
export function orderSeq(id: bigint): bigint {
  return id & 0xffffffffn;
}

/**
 * The three lists `clear` expects, every order of the interval exactly once (cancelled ones
 * included), from the market engineer's helper (@gridledger/domain/market): renewable
 * sells by ascending (price, id), conventional sells by ascending (price, id), buys by descending
 * price then ascending id. Prices are below 2^40, so they are exact as numbers.
 * @example sortClearingLists(orders).buys // [highest bid id, ...]
 */
export function sortClearingLists(orders: MarketOrder[]): ClearingLists<bigint> {
  return buildClearingLists(
    orders.map((o) => ({
      id: o.id,
      seq: Number(orderSeq(o.id)),
      side: o.side === SIDE.Buy ? ("buy" as const) : ("sell" as const),
      price: Number(o.price),
      renewable: o.renewable,
    })),
  );
}

/**
 * Milli-units an order locks when placed (its worst case, at least the period's bond): a buyer
 * q × max(bid, bond), a seller q × max(gridBuy − ask, bond). Prices are base units per kWh, the
 * bond milli-units per Wh, so the rates compare directly.
 */
export function escrowFor(
  side: number,
  price: bigint,
  quantity: bigint,
  params: EscrowParams,
): bigint {
  const atLeastBond = (rate: bigint) => (rate > params.bondRate ? rate : params.bondRate);
  if (side === SIDE.Buy) return atLeastBond(price) * quantity;
  const margin = params.gridBuyPrice > price ? params.gridBuyPrice - price : 0n;
  return atLeastBond(margin) * quantity;
}

/** Milli-units → token base units, rounded down (what a user can withdraw). */
export function milliToUnits(milli: bigint): bigint {
  return milli / MILLI_PER_UNIT;
}

/** One step of a depth curve: at this price, this much cumulative quantity (Wh). */
export type DepthPoint = { price: number; supply?: number; demand?: number };

/**
 * Cumulative supply (asks by ascending price) and demand (bids by descending price) of the live
 * (not cancelled) orders, merged on one price axis for a step chart.
 */
export function depthCurves(orders: MarketOrder[]): DepthPoint[] {
  const live = orders.filter((o) => !o.cancelled);
  const levels = (side: number) => {
    const map = new Map<number, number>();
    for (const o of live.filter((x) => x.side === side))
      map.set(Number(o.price), (map.get(Number(o.price)) ?? 0) + Number(o.quantity));
    return map;
  };
  const asks = levels(SIDE.Sell);
  const bids = levels(SIDE.Buy);
  const prices = [...new Set([...asks.keys(), ...bids.keys()])].sort((a, b) => a - b);
  return prices.map((price) => {
    let supply = 0;
    for (const [p, q] of asks) if (p <= price) supply += q;
    let demand = 0;
    for (const [p, q] of bids) if (p >= price) demand += q;
    return { price, supply, demand };
  });
}

/** A recorded match (from the `Matched` event). */
export type MarketMatch = {
  sellOrderId: bigint;
  buyOrderId: bigint;
  quantity: bigint;
  price: bigint;
};

/** Matched volume (Wh), traded value (milli-units) and volume-weighted price of a clearing. */
export function clearingSummary(matches: MarketMatch[]): {
  count: number;
  volume: bigint;
  value: bigint;
  averagePrice: bigint;
} {
  const volume = matches.reduce((s, m) => s + m.quantity, 0n);
  const value = matches.reduce((s, m) => s + m.quantity * m.price, 0n);
  return {
    count: matches.length,
    volume,
    value,
    averagePrice: volume === 0n ? 0n : value / volume,
  };
}
