import { walkBook, type ClearingRecord } from "./matchOrders.ts";
import type { AuctionMatch, SettleInput, SettleOutput } from "./auctionInput.ts";

/**
 * Settlement reference: what the market contract pays for one delivery period, computed with the
 * contract's integer arithmetic (the contract is differentially tested against this file).
 *
 * Money is in milli-units (bigint): 1 token base unit = 1000 milli-units. A price p is base units
 * per kWh and a quantity q is Wh, so p·q is exactly milli-units.
 */

/** An integer given as a JS number (must be a safe integer) or a bigint. */
export type Int = number | bigint;

/** A delivery period's settlement parameters: grid prices (base units per kWh) and band. */
export type SettlementParams = {
  /** G: what the grid sells at. */
  gridBuyPrice: Int;
  /** F ≤ G: what the grid pays for feed-in. */
  feedInPrice: Int;
  /** β, 0..10000: the tolerance band in basis points of the deviation that is not compensated. */
  bandBps: Int;
};

/** An order of one interval, with the participant that placed it. */
export type SettlementOrder = {
  id: string;
  owner: string;
  side: "buy" | "sell";
  /** Base units per kWh. */
  price: number;
  /** Wh (> 0). */
  quantity: number;
  renewable?: boolean;
  cancelled?: boolean;
};

/** One trading interval (day-ahead, intraday, real-time) of the period: its book in placement order. */
export type SettlementInterval = { orders: readonly SettlementOrder[] };

/** A participant's meter reading for the period, Wh. */
export type MeterReading = { producedWh: Int; consumedWh: Int };

/** A match with its owners and the money it moves (milli-units). */
export type MatchSettlement = AuctionMatch & {
  /** Owner of the sell order. */
  seller: string;
  /** Owner of the buy order. */
  buyer: string;
  /** E: buyer → seller for the energy. */
  energy: bigint;
  /** Seller → buyer for the seller's shortfall beyond the band. */
  sellerCompensation: bigint;
  /** Buyer → seller for the buyer's under-use beyond the band. */
  buyerCompensation: bigint;
};

/** One interval's walk and, per match (same index as `matches`), its flows. */
export type IntervalSettlement = {
  matches: AuctionMatch[];
  records: ClearingRecord[];
  flows: MatchSettlement[];
};

/** A participant's period position (Wh), as the settlement used it. */
export type Position = {
  owner: string;
  /** S: matched sell quantity over all intervals. */
  sold: bigint;
  /** B: matched buy quantity over all intervals. */
  bought: bigint;
  /** Whether a meter reading was given (if not: produced 0, consumed B). */
  reported: boolean;
  /** P. */
  produced: bigint;
  /** C. */
  consumed: bigint;
  /** A = min(S, max(0, X − Y)) with X = S − B, Y = P − C. */
  shortfall: bigint;
  /** U = min(B, max(0, Y − X)). */
  underUse: bigint;
};

/** What a participant received and paid over the period (energy and compensation), milli-units. */
export type ParticipantSettlement = { owner: string; received: bigint; paid: bigint; net: bigint };

/** `settlePeriod`'s result; `positions` and `participants` are sorted by owner. */
export type PeriodSettlement = {
  intervals: IntervalSettlement[];
  positions: Position[];
  participants: ParticipantSettlement[];
};

const BPS = 10_000n;

const big = (value: Int, name: string): bigint => {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer: ${value}`);
  return BigInt(value);
};
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
/** Sorts by owner label (UTF-16 code units, as Array.prototype.sort without a comparator). */
const byOwner = (a: { owner: string }, b: { owner: string }) =>
  a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0;

/**
 * A participant's shortfall A and under-use U (Wh) from its traded totals and reading. Without a
 * reading P = 0 and C = B, so a missing reading is never cheaper than an honest one.
 *
 * @example deviation(10_000n, 0n, { producedWh: 7_000, consumedWh: 0 }) // { shortfall: 3000n, underUse: 0n, ... }
 */
export function deviation(
  sold: bigint,
  bought: bigint,
  reading: MeterReading | undefined,
): { produced: bigint; consumed: bigint; shortfall: bigint; underUse: bigint } {
  const produced = reading ? big(reading.producedWh, "producedWh") : 0n;
  const consumed = reading ? big(reading.consumedWh, "consumedWh") : bought;
  const x = sold - bought;
  const y = produced - consumed;
  return {
    produced,
    consumed,
    shortfall: min(sold, max(0n, x - y)),
    underUse: min(bought, max(0n, y - x)),
  };
}

/**
 * The flows of one match of `quantity` Wh at `price` between a seller with period totals
 * (S = sold, A = shortfall) and a buyer (B = bought, U = under-use); requires S ≥ q > 0, B ≥ q.
 *
 * Shares a = q·A/S and c = q·U/B (compared exactly: a ≥ c ⇔ A·B ≥ U·S).
 * - energy = floor(p·q·(S − A) / S) if a ≥ c, else floor(p·q·(B − U) / B);
 * - den = S·B·10000; a > c: num = q·(A·B·10000 − U·S·10000 − β·S·B), sellerCompensation =
 *   floor(max(0, G − p)·num / den) if num > 0; c > a: num = q·(U·S·10000 − A·B·10000 − β·S·B),
 *   buyerCompensation = floor(max(0, p − F)·num / den) if num > 0; otherwise 0.
 *
 * @example matchFlows(150n, 10_000n, { sold: 10_000n, shortfall: 3_000n },
 *   { bought: 10_000n, underUse: 0n }, { gridBuyPrice: 300, feedInPrice: 50, bandBps: 500 })
 * // { energy: 1_050_000n, sellerCompensation: 375_000n, buyerCompensation: 0n }
 */
export function matchFlows(
  price: bigint,
  quantity: bigint,
  seller: { sold: bigint; shortfall: bigint },
  buyer: { bought: bigint; underUse: bigint },
  params: SettlementParams,
): { energy: bigint; sellerCompensation: bigint; buyerCompensation: bigint } {
  const p = price;
  const q = quantity;
  const { sold: s, shortfall: a } = seller;
  const { bought: b, underUse: u } = buyer;
  if (!(q > 0n && s >= q && b >= q)) {
    throw new RangeError(`match of ${q} Wh against totals sold ${s}, bought ${b}`);
  }
  const g = big(params.gridBuyPrice, "gridBuyPrice");
  const f = big(params.feedInPrice, "feedInPrice");
  const beta = big(params.bandBps, "bandBps");
  const sellerSide = a * b; // ∝ a
  const buyerSide = u * s; // ∝ c
  const energy = sellerSide >= buyerSide ? (p * q * (s - a)) / s : (p * q * (b - u)) / b;
  const den = s * b * BPS;
  let sellerCompensation = 0n;
  let buyerCompensation = 0n;
  if (sellerSide > buyerSide) {
    const num = q * (sellerSide * BPS - buyerSide * BPS - beta * s * b);
    if (num > 0n) sellerCompensation = (max(0n, g - p) * num) / den;
  } else if (buyerSide > sellerSide) {
    const num = q * (buyerSide * BPS - sellerSide * BPS - beta * s * b);
    if (num > 0n) buyerCompensation = (max(0n, p - f) * num) / den;
  }
  return { energy, sellerCompensation, buyerCompensation };
}

/**
 * Settles one delivery period: walks each interval's book (`walkBook`), sums every owner's
 * matched sells S and buys B over all intervals, derives its shortfall A and under-use U from its
 * reading (`deviation`) and prices each match (`matchFlows`). The seller receives energy +
 * buyerCompensation and pays sellerCompensation; the buyer pays energy + buyerCompensation and
 * receives sellerCompensation. Participants are the owners of any order (cancelled included),
 * sorted by owner; readings of other owners are ignored. Total received equals total paid.
 *
 * @example settlePeriod({ gridBuyPrice: 300, feedInPrice: 50, bandBps: 500 },
 *   [{ orders: [{ id: "s", owner: "alice", side: "sell", price: 100, quantity: 10_000 },
 *     { id: "b", owner: "bob", side: "buy", price: 200, quantity: 10_000 }] }],
 *   { alice: { producedWh: 7_000, consumedWh: 0 }, bob: { producedWh: 0, consumedWh: 10_000 } })
 * // participants: alice net 675_000n, bob net −675_000n
 */
export function settlePeriod(
  params: SettlementParams,
  intervals: readonly SettlementInterval[],
  meters: Readonly<Record<string, MeterReading>>,
): PeriodSettlement {
  const g = big(params.gridBuyPrice, "gridBuyPrice");
  const f = big(params.feedInPrice, "feedInPrice");
  const beta = big(params.bandBps, "bandBps");
  if (f < 0n || f > g) throw new RangeError(`feedInPrice must be in 0..gridBuyPrice: ${f}`);
  if (beta < 0n || beta > BPS) throw new RangeError(`bandBps must be in 0..10000: ${beta}`);

  const totals = new Map<string, { sold: bigint; bought: bigint }>();
  const walks = intervals.map((interval) => {
    const ownerOf = new Map<string, string>();
    for (const o of interval.orders) {
      if (ownerOf.has(o.id)) throw new RangeError(`duplicate order id "${o.id}" in an interval`);
      ownerOf.set(o.id, o.owner);
      if (!totals.has(o.owner)) totals.set(o.owner, { sold: 0n, bought: 0n });
    }
    const walk = walkBook(interval.orders);
    for (const m of walk.matches) {
      totals.get(ownerOf.get(m.sell)!)!.sold += BigInt(m.quantity);
      totals.get(ownerOf.get(m.buy)!)!.bought += BigInt(m.quantity);
    }
    return { walk, ownerOf };
  });

  const positions = new Map<string, Position>();
  for (const [owner, { sold, bought }] of totals) {
    const reading = Object.hasOwn(meters, owner) ? meters[owner] : undefined;
    positions.set(owner, {
      owner,
      sold,
      bought,
      reported: reading !== undefined,
      ...deviation(sold, bought, reading),
    });
  }

  const money = new Map<string, { received: bigint; paid: bigint }>();
  for (const owner of totals.keys()) money.set(owner, { received: 0n, paid: 0n });
  const result: IntervalSettlement[] = walks.map(({ walk, ownerOf }) => {
    const flows = walk.matches.map((m): MatchSettlement => {
      const seller = ownerOf.get(m.sell)!;
      const buyer = ownerOf.get(m.buy)!;
      const flow = matchFlows(
        BigInt(m.price),
        BigInt(m.quantity),
        positions.get(seller)!,
        positions.get(buyer)!,
        params,
      );
      const s = money.get(seller)!;
      const b = money.get(buyer)!;
      s.received += flow.energy + flow.buyerCompensation;
      s.paid += flow.sellerCompensation;
      b.paid += flow.energy + flow.buyerCompensation;
      b.received += flow.sellerCompensation;
      return { ...m, seller, buyer, ...flow };
    });
    return { matches: walk.matches, records: walk.records, flows };
  });

  return {
    intervals: result,
    positions: [...positions.values()].sort(byOwner),
    participants: [...money.entries()]
      .map(([owner, { received, paid }]) => ({ owner, received, paid, net: received - paid }))
      .sort(byOwner),
  };
}

/**
 * Escrow rate the contract locks per Wh of an order, milli-units: a buy locks
 * max(bid, bondRate), a sell max(max(0, G − ask), bondRate).
 *
 * @example lockRate({ side: "sell", price: 100 }, { gridBuyPrice: 300, bondRate: 1 }) // 200n
 */
export function lockRate(
  order: { side: "buy" | "sell"; price: Int },
  market: { gridBuyPrice: Int; bondRate: Int },
): bigint {
  const price = big(order.price, "price");
  const bond = big(market.bondRate, "bondRate");
  const rate =
    order.side === "buy" ? price : max(0n, big(market.gridBuyPrice, "gridBuyPrice") - price);
  return max(rate, bond);
}

/**
 * Escrow the contract locks for an order: lockRate × quantity, milli-units.
 *
 * @example lockAmount({ side: "buy", price: 200, quantity: 10_000 }, { gridBuyPrice: 300, bondRate: 1 }) // 2_000_000n
 */
export function lockAmount(
  order: { side: "buy" | "sell"; price: Int; quantity: Int },
  market: { gridBuyPrice: Int; bondRate: Int },
): bigint {
  return lockRate(order, market) * big(order.quantity, "quantity");
}

/**
 * Milli-units as token base units with exactly three decimals.
 *
 * @example formatMilliUnits(-1_234_567n) // "-1234.567"
 */
export function formatMilliUnits(milli: bigint): string {
  const abs = milli < 0n ? -milli : milli;
  return `${milli < 0n ? "-" : ""}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, "0")}`;
}

/**
 * The off-chain `auction settle`: one interval (the input's orders) settling its delivery period,
 * in the CLI's output shape (amounts as decimal strings of milli-units, `net` in base units).
 *
 * @example settleOffChain(parseWith(SettleInputSchema, json)).participants[0] // { owner, net, netMilliUnits }
 */
export function settleOffChain(input: SettleInput): SettleOutput {
  const { market, orders, meters } = input;
  const period = settlePeriod(market, [{ orders }], meters);
  return {
    matches: period.intervals[0]!.flows.map((m) => ({
      sell: m.sell,
      buy: m.buy,
      quantity: m.quantity,
      price: m.price,
      energy: m.energy.toString(),
      sellerCompensation: m.sellerCompensation.toString(),
      buyerCompensation: m.buyerCompensation.toString(),
    })),
    participants: period.participants.map((p) => ({
      owner: p.owner,
      net: Number(formatMilliUnits(p.net)),
      netMilliUnits: p.net.toString(),
    })),
  };
}
