import { describe, expect, it } from "vitest";
import {
  SIDE,
  clearingSummary,
  depthCurves,
  escrowFor,
  orderId,
  orderSeq,
  orderedClearingRecords,
  packMatch,
  packUnmatched,
  sortClearingLists,
  type MarketOrder,
} from "./market.ts";

const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const o = (
  seq: number,
  side: number,
  price: number,
  quantity: number,
  renewable = false,
  cancelled = false,
): MarketOrder => ({
  id: orderId(3n, BigInt(seq)),
  owner,
  side,
  renewable,
  cancelled,
  price: BigInt(price),
  quantity: BigInt(quantity),
});

describe("sortClearingLists", () => {
  it("orders renewable then conventional sells ascending and buys descending, ties by id", () => {
    const orders = [
      o(1, SIDE.Sell, 120, 10),
      o(2, SIDE.Sell, 110, 10, true),
      o(3, SIDE.Buy, 150, 5),
      o(4, SIDE.Sell, 100, 10, true, true),
      o(5, SIDE.Buy, 160, 5),
      o(6, SIDE.Buy, 150, 5),
      o(7, SIDE.Sell, 90, 10),
      o(8, SIDE.Sell, 110, 10, true),
    ];
    const lists = sortClearingLists(orders);
    expect(lists.renewableSells.map(orderSeq)).toEqual([4n, 2n, 8n]);
    expect(lists.conventionalSells.map(orderSeq)).toEqual([7n, 1n]);
    expect(lists.buys.map(orderSeq)).toEqual([5n, 3n, 6n]);
  });
});

describe("escrowFor", () => {
  const params = { gridBuyPrice: 200n, bondRate: 30n };
  it("locks max(bid, bond) per Wh for a buyer and max(gridBuy - ask, bond) for a seller", () => {
    expect(escrowFor(SIDE.Buy, 150n, 1_000n, params)).toBe(150_000n);
    expect(escrowFor(SIDE.Buy, 20n, 1_000n, params)).toBe(30_000n);
    expect(escrowFor(SIDE.Sell, 120n, 1_000n, params)).toBe(80_000n);
    expect(escrowFor(SIDE.Sell, 190n, 1_000n, params)).toBe(30_000n);
    expect(escrowFor(SIDE.Sell, 250n, 1_000n, params)).toBe(30_000n);
  });
});

describe("clearing records", () => {
  it("packs matches and remainders as the contract's packMatch and packUnmatched", () => {
    const packed = packMatch(orderId(3n, 2n), orderId(3n, 5n), 7n, 135n);
    expect(packed & 0xffffffffn).toBe(2n);
    expect((packed >> 32n) & 0xffffffffn).toBe(5n);
    expect((packed >> 64n) & 0xffffffffffn).toBe(7n);
    expect(packed >> 104n).toBe(135n);
    // protocol-fact-ok: an independent oracle of the packing
    expect(packUnmatched(orderId(3n, 4n), 1_000n)).toBe(4n | (1_000n << 64n) | (1n << 255n));
  });
  it("lists an interval's Matched and Unmatched events in log order", () => {
    const records = orderedClearingRecords([
      {
        eventName: "Unmatched",
        args: { intervalId: 3n, orderId: orderId(3n, 1n), quantity: 1_000n },
        blockNumber: 7n,
        logIndex: 3,
      },
      {
        eventName: "Matched",
        args: {
          intervalId: 3n,
          sellOrderId: orderId(3n, 1n),
          buyOrderId: orderId(3n, 2n),
          quantity: 4_000n,
          price: 125_000n,
        },
        blockNumber: 7n,
        logIndex: 1,
      },
    ]).get(3n)!;
    expect(records.map((r) => r.record)).toEqual([
      packMatch(orderId(3n, 1n), orderId(3n, 2n), 4_000n, 125_000n),
      packUnmatched(orderId(3n, 1n), 1_000n),
    ]);
  });
});

describe("depthCurves and clearingSummary", () => {
  it("accumulates live supply upward and demand downward on one price axis", () => {
    const curves = depthCurves([
      o(1, SIDE.Sell, 100, 10),
      o(2, SIDE.Sell, 120, 5),
      o(3, SIDE.Buy, 110, 4),
      o(4, SIDE.Buy, 130, 1),
      o(5, SIDE.Sell, 90, 99, false, true),
    ]);
    expect(curves).toEqual([
      { price: 100, supply: 10, demand: 5 },
      { price: 110, supply: 10, demand: 5 },
      { price: 120, supply: 15, demand: 1 },
      { price: 130, supply: 15, demand: 1 },
    ]);
  });
  it("sums volume and value and gives the volume-weighted price", () => {
    const s = clearingSummary([
      { sellOrderId: 1n, buyOrderId: 2n, quantity: 10n, price: 100n },
      { sellOrderId: 3n, buyOrderId: 2n, quantity: 30n, price: 120n },
    ]);
    expect(s).toEqual({ count: 2, volume: 40n, value: 4_600n, averagePrice: 115n });
  });
});
