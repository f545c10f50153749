/**
 * The TypeScript market reference (packages/domain/src/market, ESM) loaded once into Hardhat's
 * CommonJS runtime through tsx, re-exported with types.
 *
 * The types below mirror packages/domain/src/market/matchOrders.ts and settlement.ts instead of
 * `import type`-ing them: importing those files (even type-only) pulls them into this project's
 * type check (tsconfig.json), whose compiler options reject their `.ts`-suffixed value imports
 * (TS5097, allowImportingTsExtensions is off here). Keep them in step with the domain files.
 */
import { protocol } from "../helpers/protocol";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { require: tsxRequire } = require("tsx/cjs/api") as {
  require: (id: string, fromFile: string) => unknown;
};

/** An order as the walk sees it (domain `BookOrder`): may have been cancelled before clearing. */
export type BookOrder = {
  id: string;
  side: "buy" | "sell";
  price: number;
  quantity: number;
  renewable?: boolean;
  cancelled?: boolean;
};

/** One match (domain `AuctionMatch`). */
export type AuctionMatch = { sell: string; buy: string; quantity: number; price: number };

/** One clearing record in the contract's walk order (domain `ClearingRecord`). */
export type ClearingRecord =
  | { kind: "match"; sell: string; buy: string; quantity: number; price: number }
  | { kind: "unmatched"; order: string; quantity: number };

/** `walkBook`'s result (domain `BookWalk`). */
export type BookWalk = { matches: AuctionMatch[]; records: ClearingRecord[] };

type Int = number | bigint;

/** Settlement parameters of a delivery period (domain `SettlementParams`). */
export type SettlementParams = { gridBuyPrice: Int; feedInPrice: Int; bandBps: Int };

/** An order with its owner (domain `SettlementOrder`). */
export type SettlementOrder = BookOrder & { owner: string };

/** One interval of the period (domain `SettlementInterval`). */
export type SettlementInterval = { orders: readonly SettlementOrder[] };

/** A meter reading, Wh (domain `MeterReading`). */
export type MeterReading = { producedWh: Int; consumedWh: Int };

/** A match with its owners and flows, milli-units (domain `MatchSettlement`). */
export type MatchSettlement = AuctionMatch & {
  seller: string;
  buyer: string;
  energy: bigint;
  sellerCompensation: bigint;
  buyerCompensation: bigint;
};

/** A participant's period position (domain `Position`). */
export type Position = {
  owner: string;
  sold: bigint;
  bought: bigint;
  reported: boolean;
  produced: bigint;
  consumed: bigint;
  shortfall: bigint;
  underUse: bigint;
};

/** What a participant received and paid, milli-units (domain `ParticipantSettlement`). */
export type ParticipantSettlement = { owner: string; received: bigint; paid: bigint; net: bigint };

/** `settlePeriod`'s result (domain `PeriodSettlement`). */
export type PeriodSettlement = {
  intervals: { matches: AuctionMatch[]; records: ClearingRecord[]; flows: MatchSettlement[] }[];
  positions: Position[];
  participants: ParticipantSettlement[];
};

type MatchOrdersModule = { walkBook(orders: readonly BookOrder[]): BookWalk };
/** An order as the clearing caller sees it (domain `SequencedOrder`). */
export type SequencedOrder<Id> = {
  id: Id;
  seq: number;
  side: "buy" | "sell";
  price: number;
  renewable: boolean;
};
type ClearingListsModule = {
  buildClearingLists<Id>(orders: readonly SequencedOrder<Id>[]): {
    renewableSells: Id[];
    conventionalSells: Id[];
    buys: Id[];
  };
};
type SettlementModule = {
  settlePeriod(
    params: SettlementParams,
    intervals: readonly SettlementInterval[],
    meters: Readonly<Record<string, MeterReading>>,
  ): PeriodSettlement;
  lockAmount(
    order: { side: "buy" | "sell"; price: Int; quantity: Int },
    market: { gridBuyPrice: Int; bondRate: Int },
  ): bigint;
  lockRate(
    order: { side: "buy" | "sell"; price: Int },
    market: { gridBuyPrice: Int; bondRate: Int },
  ): bigint;
  deviation(
    sold: bigint,
    bought: bigint,
    reading: MeterReading | undefined,
  ): { produced: bigint; consumed: bigint; shortfall: bigint; underUse: bigint };
  matchFlows(
    price: bigint,
    quantity: bigint,
    seller: { sold: bigint; shortfall: bigint },
    buyer: { bought: bigint; underUse: bigint },
    params: SettlementParams,
  ): { energy: bigint; sellerCompensation: bigint; buyerCompensation: bigint };
};

const matchOrders = tsxRequire(
  "../../packages/domain/src/market/matchOrders.ts",
  __filename,
) as MatchOrdersModule;
const clearingLists = tsxRequire(
  "../../packages/domain/src/market/clearingLists.ts",
  __filename,
) as ClearingListsModule;
const settlement = tsxRequire(
  "../../packages/domain/src/market/settlement.ts",
  __filename,
) as SettlementModule;

/** The contract's clearing walk over one interval's book (domain `walkBook`). */
export const walkBook: MatchOrdersModule["walkBook"] = (orders) => matchOrders.walkBook(orders);

/** The three lists `clear` expects, in the contract's order (domain `buildClearingLists`). */
export const buildClearingLists: ClearingListsModule["buildClearingLists"] = (orders) =>
  clearingLists.buildClearingLists(orders);

/** A participant's shortfall and under-use, Wh (domain `deviation`). */
export const deviation: SettlementModule["deviation"] = (sold, bought, reading) =>
  settlement.deviation(sold, bought, reading);

/** Money of one match, milli-units (domain `matchFlows`). */
export const matchFlows: SettlementModule["matchFlows"] = (
  price,
  quantity,
  seller,
  buyer,
  params,
) => settlement.matchFlows(price, quantity, seller, buyer, params);

/** Settles a delivery period (domain `settlePeriod`). */
export const settlePeriod: SettlementModule["settlePeriod"] = (params, intervals, meters) =>
  settlement.settlePeriod(params, intervals, meters);

/** Escrow an order locks: lockRate × quantity, milli-units (domain `lockAmount`). */
export const lockAmount: SettlementModule["lockAmount"] = (order, market) =>
  settlement.lockAmount(order, market);

/** Escrow rate per Wh, milli-units (domain `lockRate`). */
export const lockRate: SettlementModule["lockRate"] = (order, market) =>
  settlement.lockRate(order, market);

/** Record packing and the unmatched flag, from the protocol package. */
export const { packMatchRecord, packUnmatchedRecord } = protocol;
export const UNMATCHED_FLAG = protocol.constants.PackedOrder.UNMATCHED_FLAG;

/** Packs reference records, mapping the reference's order labels to on-chain order ids. */
export function packReferenceRecords(
  records: readonly ClearingRecord[],
  idOf: (label: string) => bigint,
): bigint[] {
  return records.map((r) =>
    r.kind === "match"
      ? packMatchRecord(idOf(r.sell), idOf(r.buy), BigInt(r.quantity), BigInt(r.price))
      : packUnmatchedRecord(idOf(r.order), BigInt(r.quantity)),
  );
}

/** Whether a packed record is an unmatched remainder; its order's sequence number is `seqOf`. */
export const isUnmatchedRecord = protocol.isUnmatchedRecord;

/** How a record list compares with the reference's: see `compareRecords`. */
export type RecordComparison = { ok: true } | { ok: false; at: number; reason: string };

/**
 * Compares clearing records (packed, in log order) with the reference's: they must be equal (the
 * contract records the unmatched tail list by list whatever the chunking, so the records are a
 * function of the book alone). With `prefix`, `actual` may be an unfinished walk: a prefix of the
 * reference's records.
 */
export function compareRecords(
  actual: readonly bigint[],
  expected: readonly bigint[],
  prefix = false,
): RecordComparison {
  const j = firstDifference(actual, expected);
  if (j === actual.length && (prefix || j === expected.length)) return { ok: true };
  if (j === actual.length)
    return { ok: false, at: j, reason: `${actual.length} records, reference ${expected.length}` };
  return {
    ok: false,
    at: j,
    reason:
      j === expected.length
        ? "more records than the reference"
        : isUnmatchedRecord(actual[j]!)
          ? "an unmatched record differs from the reference"
          : "a match differs from the reference",
  };
}

function firstDifference(a: readonly bigint[], b: readonly bigint[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
