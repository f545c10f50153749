import { describe, expect, it } from "vitest";
import {
  clearingRecords,
  isUnmatchedRecord,
  orderedClearingRecords,
  packMatchRecord,
  packUnmatchedRecord,
  recordsAfterRestart,
  type ClearingLog,
} from "./marketRecords.ts";

const id = (interval: bigint, seq: bigint) => (interval << 32n) | seq;
const log = (
  eventName: string,
  args: Record<string, bigint | number>,
  blockNumber: bigint,
  logIndex: number,
): ClearingLog => ({ eventName, args, blockNumber, logIndex });

describe("clearing records", () => {
  it("packs matches and unmatched remainders as EnergyMarket.packMatch / packUnmatched", () => {
    const m = packMatchRecord(id(3n, 2n), id(3n, 5n), 7n, 135n);
    expect(m & 0xffffffffn).toBe(2n);
    expect((m >> 32n) & 0xffffffffn).toBe(5n);
    expect((m >> 64n) & 0xffffffffffn).toBe(7n);
    expect(m >> 104n).toBe(135n);
    expect(isUnmatchedRecord(m)).toBe(false);
    const u = packUnmatchedRecord(id(3n, 9n), 1_000n);
    expect(u).toBe(9n | (1_000n << 64n) | (1n << 255n));
    expect(isUnmatchedRecord(u)).toBe(true);
  });

  it("merges Matched and Unmatched per interval in block and log order", () => {
    const logs = [
      log("Unmatched", { intervalId: 3n, orderId: id(3n, 1n), quantity: 1_000n }, 10n, 4),
      log("OrderPlaced", { intervalId: 3n }, 9n, 0),
      log(
        "Matched",
        {
          intervalId: 3n,
          sellOrderId: id(3n, 1n),
          buyOrderId: id(3n, 2n),
          quantity: 4n,
          price: 5n,
        },
        10n,
        2,
      ),
      log("Unmatched", { intervalId: 4n, orderId: id(4n, 1n), quantity: 20n }, 8n, 0),
      log("Unmatched", { intervalId: 3n, orderId: id(3n, 3n), quantity: 30n }, 11n, 0),
    ];
    const byInterval = orderedClearingRecords(logs);
    expect(byInterval.get(3n)!.map((r) => r.kind)).toEqual(["match", "unmatched", "unmatched"]);
    expect(clearingRecords(logs).get(3n)).toEqual([
      packMatchRecord(id(3n, 1n), id(3n, 2n), 4n, 5n),
      packUnmatchedRecord(id(3n, 1n), 1_000n),
      packUnmatchedRecord(id(3n, 3n), 30n),
    ]);
    expect(clearingRecords(logs).get(4n)).toEqual([packUnmatchedRecord(id(4n, 1n), 20n)]);
  });

  it("drops the records of a clearing attempt discarded by restartClearing", () => {
    const logs = [
      log("Unmatched", { intervalId: 3n, orderId: id(3n, 2n), quantity: 5n }, 10n, 0),
      log("ClearingRestarted", { intervalId: 3n, epoch: 1, omittedOrderId: id(3n, 1n) }, 11n, 0),
      log("Unmatched", { intervalId: 3n, orderId: id(3n, 1n), quantity: 5n }, 12n, 0),
      log("Unmatched", { intervalId: 4n, orderId: id(4n, 1n), quantity: 5n }, 10n, 1),
    ];
    const kept = recordsAfterRestart(logs);
    expect(clearingRecords(kept).get(3n)).toEqual([packUnmatchedRecord(id(3n, 1n), 5n)]);
    expect(clearingRecords(kept).get(4n)).toHaveLength(1);
  });
});
