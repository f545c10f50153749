import type { AuctionMatch, AuctionOrder } from "./auctionInput.ts";
import { buildClearingLists, type SequencedOrder } from "./clearingLists.ts";

/** An order as the walk sees it: an auction order that may have been cancelled before clearing. */
export type BookOrder = AuctionOrder & { cancelled?: boolean };

/**
 * One clearing record, in the order the contract's walk emits them: a trade, or the part of an
 * order that did not trade (`quantity` Wh, > 0). Order ids are those of the input.
 */
export type ClearingRecord =
  | { kind: "match"; sell: string; buy: string; quantity: number; price: number }
  | { kind: "unmatched"; order: string; quantity: number };

/** What `walkBook` returns: the matches alone (as `matchOrders`) and every record in order. */
export type BookWalk = { matches: AuctionMatch[]; records: ClearingRecord[] };

type Book = { order: BookOrder; rem: number };

/** A clearing list with a cursor; `current` skips cancelled orders (they never trade). */
class Cursor {
  private i = 0;
  constructor(private readonly list: Book[]) {}
  /** The first order at or after the cursor that is not cancelled, or undefined at the end. */
  current(): Book | undefined {
    while (this.i < this.list.length && this.list[this.i]!.order.cancelled === true) this.i++;
    return this.list[this.i];
  }
  /** Moves past the current order. */
  advance(): void {
    this.current();
    this.i++;
  }
  /** Every order after the current one (or after the end) that is not cancelled. */
  rest(): Book[] {
    return this.list.slice(this.i).filter((b) => b.order.cancelled !== true);
  }
}

/**
 * The contract's clearing walk over one interval's book (the reference it is tested against).
 * Lists as `buildClearingLists` (renewable sells and conventional sells by ascending price, buys
 * by descending price, ties by the earlier order); cancelled orders stay in the lists but are
 * skipped: they never trade and get no record.
 *
 * - Renewable phase: the current renewable sell against the current buy; while ask ≤ bid they
 *   trade min(remainders) Wh at floor((ask + bid) / 2), and an order whose remainder reaches 0 is
 *   replaced by the next of its list. At ask > bid the renewable's remainder is recorded unmatched
 *   and the walk goes on with the conventional sells, keeping the current buy (and its remainder);
 *   with no renewable left it goes on with them too; with no buy left it goes to the tail.
 * - Conventional phase: the same trades; ask > bid, no sell left or no buy left: the tail.
 * - Tail: unmatched records for the current sell's remainder, then the current buy's remainder
 *   (each if > 0), then every renewable sell, conventional sell and buy not reached, in list
 *   order with its full quantity.
 *
 * An order's matched quantities plus its unmatched record add up to its quantity.
 *
 * @example walkBook([{ id: "s1", side: "sell", price: 100, quantity: 5, renewable: true },
 *   { id: "b1", side: "buy", price: 150, quantity: 3 }])
 * // { matches: [{ sell: "s1", buy: "b1", quantity: 3, price: 125 }],
 * //   records: [{ kind: "match", sell: "s1", buy: "b1", quantity: 3, price: 125 },
 * //             { kind: "unmatched", order: "s1", quantity: 2 }] }
 */
export function walkBook(orders: readonly BookOrder[]): BookWalk {
  const sequenced: SequencedOrder<number>[] = orders.map((o, i) => ({
    id: i,
    seq: i,
    side: o.side,
    price: o.price,
    renewable: o.side === "sell" && o.renewable === true,
  }));
  const lists = buildClearingLists(sequenced);
  const book = (ids: number[]): Book[] =>
    ids.map((i) => ({ order: orders[i]!, rem: orders[i]!.quantity }));
  const renewable = new Cursor(book(lists.renewableSells));
  const conventional = new Cursor(book(lists.conventionalSells));
  const buys = new Cursor(book(lists.buys));
  const matches: AuctionMatch[] = [];
  const records: ClearingRecord[] = [];
  const unmatched = (b: Book, quantity: number) =>
    records.push({ kind: "unmatched", order: b.order.id, quantity });

  /** Trades `sells` against the buys while ask ≤ bid; returns why it stopped. */
  const walk = (sells: Cursor): "noSell" | "noBuy" | "priceGap" => {
    for (;;) {
      const sell = sells.current();
      if (sell === undefined) return "noSell";
      const buy = buys.current();
      if (buy === undefined) return "noBuy";
      if (sell.order.price > buy.order.price) return "priceGap";
      const quantity = Math.min(sell.rem, buy.rem);
      const price = Math.floor((sell.order.price + buy.order.price) / 2);
      matches.push({ sell: sell.order.id, buy: buy.order.id, quantity, price });
      records.push({ kind: "match", sell: sell.order.id, buy: buy.order.id, quantity, price });
      sell.rem -= quantity;
      buy.rem -= quantity;
      if (sell.rem === 0) sells.advance();
      if (buy.rem === 0) buys.advance();
    }
  };

  // RENEWABLE, then CONVENTIONAL unless the buys ran out; `tailSell` holds the sell list whose
  // current order is the tail's "current sell".
  let tailSell: Cursor = conventional;
  const renewableEnd = walk(renewable);
  if (renewableEnd === "noBuy") {
    tailSell = renewable;
  } else {
    if (renewableEnd === "priceGap") {
      const sell = renewable.current()!;
      unmatched(sell, sell.rem);
      renewable.advance();
    }
    walk(conventional);
  }

  // TAIL.
  const sell = tailSell.current();
  if (sell !== undefined) {
    if (sell.rem > 0) unmatched(sell, sell.rem);
    tailSell.advance();
  }
  const buy = buys.current();
  if (buy !== undefined) {
    if (buy.rem > 0) unmatched(buy, buy.rem);
    buys.advance();
  }
  for (const list of [renewable, conventional, buys])
    for (const b of list.rest()) unmatched(b, b.rem);
  return { matches, records };
}

/**
 * The market's matching rule in TypeScript (the reference the contract is tested against): the
 * matches of `walkBook` (see there). Renewable sells then conventional sells (ascending price)
 * against buys (descending price), ties by earlier order; trade while ask ≤ bid, quantity =
 * smaller remainder, price = floor((ask + bid) / 2). When the next renewable ask is above the
 * current bid no renewable can trade any more and the walk continues with the conventional
 * sellers; a conventional ask above the current bid ends it.
 *
 * @example matchOrders([{ id: "s1", side: "sell", price: 100, quantity: 5, renewable: true },
 *   { id: "b1", side: "buy", price: 150, quantity: 3 }]) // [{ sell: "s1", buy: "b1", quantity: 3, price: 125 }]
 */
export function matchOrders(orders: readonly BookOrder[]): AuctionMatch[] {
  return walkBook(orders).matches;
}
