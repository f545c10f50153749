/** An order as the clearing caller sees it: `seq` is its placement position (earlier = smaller). */
export type SequencedOrder<Id> = {
  id: Id;
  seq: number;
  side: "buy" | "sell";
  price: number;
  renewable: boolean;
};

/** The three lists the market's `clear` expects, in the paper's order. */
export type ClearingLists<Id> = { renewableSells: Id[]; conventionalSells: Id[]; buys: Id[] };

/**
 * Builds the clearing lists: renewable sells by ascending price, conventional sells by ascending
 * price, buys by descending price; ties by the earlier order. The contract verifies exactly this.
 *
 * @example buildClearingLists([{ id: 1n, seq: 1, side: "sell", price: 120, renewable: true }])
 */
export function buildClearingLists<Id>(orders: readonly SequencedOrder<Id>[]): ClearingLists<Id> {
  const asc = (a: SequencedOrder<Id>, b: SequencedOrder<Id>) => a.price - b.price || a.seq - b.seq;
  const desc = (a: SequencedOrder<Id>, b: SequencedOrder<Id>) => b.price - a.price || a.seq - b.seq;
  const sells = orders.filter((o) => o.side === "sell");
  return {
    renewableSells: sells
      .filter((o) => o.renewable)
      .sort(asc)
      .map((o) => o.id),
    conventionalSells: sells
      .filter((o) => !o.renewable)
      .sort(asc)
      .map((o) => o.id),
    buys: orders
      .filter((o) => o.side === "buy")
      .sort(desc)
      .map((o) => o.id),
  };
}
