import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { AuctionMatch, AuctionOrder } from "./auctionInput.ts";
import { buildClearingLists } from "./clearingLists.ts";
import { matchOrders, walkBook, type BookOrder, type ClearingRecord } from "./matchOrders.ts";

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

/** The matching loop as it was before `walkBook` (kept as an oracle for its matches). */
function legacyMatchOrders(orders: readonly AuctionOrder[]): AuctionMatch[] {
  const lists = buildClearingLists(
    orders.map((o, i) => ({
      id: i,
      seq: i,
      side: o.side,
      price: o.price,
      renewable: o.side === "sell" && o.renewable === true,
    })),
  );
  const book = (ids: number[]) => ids.map((i) => ({ order: orders[i]!, rem: orders[i]!.quantity }));
  const renewable = book(lists.renewableSells);
  const conventional = book(lists.conventionalSells);
  const buys = book(lists.buys);
  const matches: AuctionMatch[] = [];
  let b = 0;
  for (const sells of [renewable, conventional]) {
    let s = 0;
    while (s < sells.length && b < buys.length) {
      const sell = sells[s]!;
      const buy = buys[b]!;
      if (sell.order.price > buy.order.price) {
        if (sells === renewable) break;
        return matches;
      }
      const quantity = Math.min(sell.rem, buy.rem);
      matches.push({
        sell: sell.order.id,
        buy: buy.order.id,
        quantity,
        price: Math.floor((sell.order.price + buy.order.price) / 2),
      });
      sell.rem -= quantity;
      buy.rem -= quantity;
      if (sell.rem === 0) s++;
      if (buy.rem === 0) b++;
    }
  }
  return matches;
}

const m = (sell: string, buy: string, quantity: number, price: number): ClearingRecord => ({
  kind: "match",
  sell,
  buy,
  quantity,
  price,
});
const u = (order: string, quantity: number): ClearingRecord => ({
  kind: "unmatched",
  order,
  quantity,
});
const cancelled = (o: AuctionOrder): BookOrder => ({ ...o, cancelled: true });

describe("walkBook", () => {
  const worked = [
    sell("R1", 100, 5000, true),
    sell("R2", 150, 3000, true),
    sell("C1", 90, 4000),
    sell("C2", 200, 2000),
    buy("B1", 250, 4000),
    buy("B2", 180, 3000),
    buy("B3", 120, 2000),
  ];

  it("records the worked book: renewable gap, conventional trade, then the tail", () => {
    // R2 (150) > B3 (120): R2's 1000 left is recorded and C1 trades with B3; the buys run out,
    // so the tail records C1's remainder and the unreached C2.
    const walk = walkBook(worked);
    expect(walk.matches).toEqual(matchOrders(worked));
    expect(walk.records).toEqual([
      m("R1", "B1", 4000, 175),
      m("R1", "B2", 1000, 140),
      m("R2", "B2", 2000, 165),
      u("R2", 1000),
      m("C1", "B3", 2000, 105),
      u("C1", 2000),
      u("C2", 2000),
    ]);
  });

  it("skips cancelled orders: no trade and no record", () => {
    const book = worked.map((o) => (o.id === "R1" || o.id === "B2" ? cancelled(o) : o));
    // R2 fills 3000 of B1, the renewables run out, C1 takes B1's last 1000 and B3's 2000.
    expect(walkBook(book).records).toEqual([
      m("R2", "B1", 3000, 200),
      m("C1", "B1", 1000, 170),
      m("C1", "B3", 2000, 105),
      u("C1", 1000),
      u("C2", 2000),
    ]);
  });

  it("goes to the tail from the renewable phase when the buys run out", () => {
    const book = [
      sell("R1", 100, 5000, true),
      cancelled(sell("Rx", 105, 700, true)),
      sell("R2", 110, 1000, true),
      sell("C1", 50, 500),
      buy("B1", 200, 2000),
      cancelled(buy("Bx", 150, 1000)),
    ];
    expect(walkBook(book).records).toEqual([
      m("R1", "B1", 2000, 150),
      u("R1", 3000),
      u("R2", 1000),
      u("C1", 500),
    ]);
  });

  it("ends at a conventional gap: current sell, current buy, then unreached renewables, sells, buys", () => {
    const book = [
      sell("R1", 100, 1000, true),
      sell("R2", 300, 1000, true),
      sell("R3", 310, 500, true),
      sell("C1", 120, 1000),
      sell("C2", 260, 1000),
      sell("C3", 270, 400),
      buy("B1", 250, 3000),
      buy("B2", 130, 1000),
    ];
    expect(walkBook(book).records).toEqual([
      m("R1", "B1", 1000, 175),
      u("R2", 1000),
      m("C1", "B1", 1000, 185),
      u("C2", 1000),
      u("B1", 1000),
      u("R3", 500),
      u("C3", 400),
      u("B2", 1000),
    ]);
  });

  it("records every order unmatched when nothing crosses or one side is empty", () => {
    expect(
      walkBook([sell("c", 200, 10), buy("b", 100, 20), sell("r", 300, 5, true)]).records,
    ).toEqual([u("r", 5), u("c", 10), u("b", 20)]);
    expect(walkBook([buy("b1", 1, 3), buy("b2", 2, 4)]).records).toEqual([u("b2", 4), u("b1", 3)]);
    expect(walkBook([sell("s", 1, 3), cancelled(buy("b", 5, 1))]).records).toEqual([u("s", 3)]);
    expect(walkBook([])).toEqual({ matches: [], records: [] });
  });

  const bookArb = fc
    .array(
      fc.record({
        side: fc.constantFrom("buy" as const, "sell" as const),
        price: fc.integer({ min: 90, max: 130 }), // narrow: many ties and crossings
        quantity: fc.integer({ min: 1, max: 3000 }),
        renewable: fc.boolean(),
        cancelled: fc.boolean(),
      }),
      { maxLength: 40 },
    )
    .map((raw) => raw.map((o, i): BookOrder => ({ ...o, id: `o${i}` })));

  it("accounts for every order exactly once: matched + unmatched = quantity (property)", () => {
    fc.assert(
      fc.property(bookArb, (book) => {
        const { matches, records } = walkBook(book);
        expect(records.filter((r) => r.kind === "match")).toEqual(
          matches.map((x) => ({ kind: "match", ...x })),
        );
        const done = new Map<string, number>();
        const unmatchedSeen = new Set<string>();
        const add = (id: string, q: number) => done.set(id, (done.get(id) ?? 0) + q);
        for (const r of records) {
          expect(r.quantity).toBeGreaterThan(0);
          if (r.kind === "match") {
            add(r.sell, r.quantity);
            add(r.buy, r.quantity);
          } else {
            expect(unmatchedSeen.has(r.order)).toBe(false);
            unmatchedSeen.add(r.order);
            add(r.order, r.quantity);
          }
        }
        for (const o of book) expect(done.get(o.id) ?? 0).toBe(o.cancelled ? 0 : o.quantity);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("matches as before on books without cancellations; a cancelled order is as if absent (property)", () => {
    fc.assert(
      fc.property(bookArb, (book) => {
        const plain = book.map(({ cancelled: _c, ...o }) => o);
        expect(walkBook(plain).matches).toEqual(legacyMatchOrders(plain));
        expect(matchOrders(plain)).toEqual(legacyMatchOrders(plain));
        const live = plain.filter((_o, i) => !book[i]!.cancelled);
        expect(walkBook(book)).toEqual(walkBook(live));
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});
