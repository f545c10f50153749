import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { AuctionOrder } from "./auctionInput.ts";
import { buildClearingLists } from "./clearingLists.ts";
import { matchOrders } from "./matchOrders.ts";

const sell = (id: string, price: number, quantity: number, renewable = false): AuctionOrder => ({
  id,
  side: "sell",
  price,
  quantity,
  renewable,
});
const buy = (id: string, price: number, quantity: number): AuctionOrder => ({
  id,
  side: "buy",
  price,
  quantity,
});

describe("matchOrders", () => {
  it("matches the worked book: renewables first although a conventional ask is cheaper", () => {
    const book = [
      sell("R1", 100, 5000, true),
      sell("R2", 150, 3000, true),
      sell("C1", 90, 4000),
      sell("C2", 200, 2000),
      buy("B1", 250, 4000),
      buy("B2", 180, 3000),
      buy("B3", 120, 2000),
    ];
    expect(matchOrders(book)).toEqual([
      { sell: "R1", buy: "B1", quantity: 4000, price: 175 },
      { sell: "R1", buy: "B2", quantity: 1000, price: 140 },
      { sell: "R2", buy: "B2", quantity: 2000, price: 165 },
      { sell: "C1", buy: "B3", quantity: 2000, price: 105 },
    ]);
  });

  it("continues with conventional sellers once renewables are exhausted", () => {
    expect(
      matchOrders([sell("r", 100, 1000, true), sell("c", 110, 1000), buy("b", 200, 3000)]),
    ).toEqual([
      { sell: "r", buy: "b", quantity: 1000, price: 150 },
      { sell: "c", buy: "b", quantity: 1000, price: 155 },
    ]);
  });

  it("ends at a conventional ask above the bid and rounds odd midpoints down", () => {
    expect(
      matchOrders([
        sell("c1", 101, 1000),
        sell("c2", 150, 1000),
        buy("b1", 200, 1000),
        buy("b2", 149, 1000),
      ]),
    ).toEqual([{ sell: "c1", buy: "b1", quantity: 1000, price: 150 }]);
  });

  it("breaks ties by the earlier order on both sides", () => {
    expect(
      matchOrders([
        sell("s1", 100, 600, true),
        sell("s2", 100, 600, true),
        buy("b1", 200, 500),
        buy("b2", 200, 500),
      ]),
    ).toEqual([
      { sell: "s1", buy: "b1", quantity: 500, price: 150 },
      { sell: "s1", buy: "b2", quantity: 100, price: 150 },
      { sell: "s2", buy: "b2", quantity: 400, price: 150 },
    ]);
  });

  it("ignores the renewable flag on buys and returns nothing for an empty side", () => {
    expect(matchOrders([{ ...buy("b", 10, 5), renewable: true }])).toEqual([]);
    expect(matchOrders([sell("s", 10, 5)])).toEqual([]);
  });

  it("never overfills an order and prices every match between its ask and bid (property)", () => {
    const order = fc.record({
      side: fc.constantFrom("buy" as const, "sell" as const),
      price: fc.integer({ min: 1, max: 300 }),
      quantity: fc.integer({ min: 1, max: 5000 }),
      renewable: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(order, { maxLength: 40 }), (raw) => {
        const book = raw.map((o, i) => ({ ...o, id: `o${i}` }));
        const byId = new Map(book.map((o) => [o.id, o]));
        const filled = new Map<string, number>();
        for (const m of matchOrders(book)) {
          const s = byId.get(m.sell)!;
          const b = byId.get(m.buy)!;
          expect(s.side).toBe("sell");
          expect(b.side).toBe("buy");
          expect(s.price).toBeLessThanOrEqual(m.price);
          expect(m.price).toBeLessThanOrEqual(b.price);
          filled.set(s.id, (filled.get(s.id) ?? 0) + m.quantity);
          filled.set(b.id, (filled.get(b.id) ?? 0) + m.quantity);
        }
        for (const [id, q] of filled) expect(q).toBeLessThanOrEqual(byId.get(id)!.quantity);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe("buildClearingLists", () => {
  it("orders renewable and conventional sells ascending and buys descending, ties by sequence", () => {
    const lists = buildClearingLists([
      { id: "a", seq: 1, side: "sell", price: 5, renewable: true },
      { id: "b", seq: 2, side: "sell", price: 3, renewable: true },
      { id: "c", seq: 3, side: "sell", price: 3, renewable: true },
      { id: "d", seq: 4, side: "sell", price: 1, renewable: false },
      { id: "e", seq: 5, side: "buy", price: 7, renewable: false },
      { id: "f", seq: 6, side: "buy", price: 9, renewable: false },
      { id: "g", seq: 7, side: "buy", price: 9, renewable: false },
    ]);
    expect(lists).toEqual({
      renewableSells: ["b", "c", "a"],
      conventionalSells: ["d"],
      buys: ["f", "g", "e"],
    });
  });
});
