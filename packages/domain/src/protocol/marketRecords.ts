/**
 * The energy market's clearing records as `tally`, `settle` and `settleChunk` take them: one
 * uint256 per record, in the order clearing emitted them (the interval's `Matched` and
 * `Unmatched` events merged in block and log order). Pure and browser-safe: the demo, the
 * services and the web app share it.
 *
 * - match: sellSeq | buySeq << 32 | quantity << 64 | price << 104 (EnergyMarket.packMatch)
 * - unmatched remainder: seq | quantity << 64 | 1 << 255 (EnergyMarket.packUnmatched)
 *
 * The sequence is the low 32 bits of an order id (order id = intervalId << 32 | sequence).
 */

const SEQ_MASK = 0xffffffffn;
const UNMATCHED_FLAG = 1n << 255n;

/** A match record: sellSeq | buySeq << 32 | quantity << 64 | price << 104. */
export function packMatchRecord(
  sellOrderId: bigint,
  buyOrderId: bigint,
  quantity: bigint,
  price: bigint,
): bigint {
  return (
    (sellOrderId & SEQ_MASK) |
    ((buyOrderId & SEQ_MASK) << 32n) |
    (quantity << 64n) |
    (price << 104n)
  );
}

/** An unmatched-remainder record: seq | quantity << 64 | 1 << 255. */
export function packUnmatchedRecord(orderId: bigint, quantity: bigint): bigint {
  return (orderId & SEQ_MASK) | (quantity << 64n) | UNMATCHED_FLAG;
}

/** Whether a packed record is an unmatched remainder (bit 255). */
export function isUnmatchedRecord(record: bigint): boolean {
  return (record & UNMATCHED_FLAG) !== 0n;
}

/** A decoded market log as viem returns it (only what the records need). */
export type ClearingLog = {
  eventName: string;
  args: unknown;
  blockNumber: bigint | null;
  logIndex: number | null;
};

/** The interval's records with the event each came from, in clearing (block, log) order. */
export type OrderedRecord = {
  intervalId: bigint;
  record: bigint;
} & (
  | { kind: "match"; sellOrderId: bigint; buyOrderId: bigint; quantity: bigint; price: bigint }
  | { kind: "unmatched"; orderId: bigint; quantity: bigint }
);

/** Chain order of two logs: block number, then log index. */
export function byLogOrder(
  a: { blockNumber: bigint | null; logIndex: number | null },
  b: { blockNumber: bigint | null; logIndex: number | null },
): number {
  const x = a.blockNumber ?? 0n;
  const y = b.blockNumber ?? 0n;
  return x === y ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : x < y ? -1 : 1;
}

/**
 * Every clearing record in `logs` (other events are ignored), grouped by interval, each group in
 * block and log order: exactly the list the interval's `tally` and `settle` expect. Logs of a
 * clearing attempt discarded by `restartClearing` must not be passed (records after the
 * interval's last `ClearingRestarted` are the valid ones; see `recordsAfterRestart`).
 *
 * @example orderedClearingRecords([...matchedLogs, ...unmatchedLogs]).get(intervalId)![0]!.record
 */
export function orderedClearingRecords(logs: readonly ClearingLog[]): Map<bigint, OrderedRecord[]> {
  const sorted = logs
    .filter((l) => l.eventName === "Matched" || l.eventName === "Unmatched")
    .sort(byLogOrder);
  const byInterval = new Map<bigint, OrderedRecord[]>();
  for (const l of sorted) {
    const a = l.args as Record<string, bigint>;
    const intervalId = a.intervalId!;
    const entry: OrderedRecord =
      l.eventName === "Matched"
        ? {
            intervalId,
            kind: "match",
            sellOrderId: a.sellOrderId!,
            buyOrderId: a.buyOrderId!,
            quantity: a.quantity!,
            price: a.price!,
            record: packMatchRecord(a.sellOrderId!, a.buyOrderId!, a.quantity!, a.price!),
          }
        : {
            intervalId,
            kind: "unmatched",
            orderId: a.orderId!,
            quantity: a.quantity!,
            record: packUnmatchedRecord(a.orderId!, a.quantity!),
          };
    const list = byInterval.get(intervalId) ?? [];
    list.push(entry);
    byInterval.set(intervalId, list);
  }
  return byInterval;
}

/** As `orderedClearingRecords`, just the packed words per interval. */
export function clearingRecords(logs: readonly ClearingLog[]): Map<bigint, bigint[]> {
  return new Map(
    [...orderedClearingRecords(logs)].map(([id, list]) => [id, list.map((r) => r.record)]),
  );
}

/**
 * Drops the records of clearing attempts that `restartClearing` discarded: for each interval,
 * only the Matched and Unmatched logs after its last `ClearingRestarted` log are kept (other
 * events pass through).
 */
export function recordsAfterRestart<L extends ClearingLog>(logs: readonly L[]): L[] {
  const lastRestart = new Map<bigint, L>();
  for (const l of logs) {
    if (l.eventName !== "ClearingRestarted") continue;
    const id = (l.args as { intervalId: bigint }).intervalId;
    const prev = lastRestart.get(id);
    if (!prev || byLogOrder(prev, l) < 0) lastRestart.set(id, l);
  }
  return logs.filter((l) => {
    if (l.eventName !== "Matched" && l.eventName !== "Unmatched") return true;
    const restart = lastRestart.get((l.args as { intervalId: bigint }).intervalId);
    return !restart || byLogOrder(restart, l) < 0;
  });
}
