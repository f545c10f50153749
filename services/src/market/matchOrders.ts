import type { AuctionMatch, AuctionOrder } from "./auctionInput.ts";
import { buildClearingLists, type SequencedOrder } from "./clearingLists.ts";

type Book = { order: AuctionOrder; rem: number };

/**
 * The market's matching rule in TypeScript (the reference the contract is tested against):
 * walk renewable sells then conventional sells (ascending price) against buys (descending
 * price), ties by earlier order; trade while ask ≤ bid, quantity = smaller remainder, price =
 * floor((ask + bid) / 2). When the next renewable ask is above the current bid no renewable can
 * trade any more and the walk continues with the conventional sellers; a conventional ask above
 * the current bid ends it.
 *
 * @example matchOrders([{ id: "s1", side: "sell", price: 100, quantity: 5, renewable: true },
 *   { id: "b1", side: "buy", price: 150, quantity: 3 }]) // [{ sell: "s1", buy: "b1", quantity: 3, price: 125 }]
 */
export function matchOrders(orders: readonly AuctionOrder[]): AuctionMatch[] {
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
  const renewable = book(lists.renewableSells);
  const conventional = book(lists.conventionalSells);
  const buys = book(lists.buys);
  const matches: AuctionMatch[] = [];
  let b = 0;
  for (const sells of [renewable, conventional]) {
    const isRenewable = sells === renewable;
    let s = 0;
    while (s < sells.length && b < buys.length) {
      const sell = sells[s]!;
      const buy = buys[b]!;
      if (sell.order.price > buy.order.price) {
        if (isRenewable) break; // no renewable left can trade: on to the conventional sellers
        return matches; // a conventional ask above the bid ends the walk
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
