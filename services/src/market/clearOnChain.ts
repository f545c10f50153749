import {
  lockAmount,
  type AuctionInput,
  type AuctionMatch,
  type AuctionOrder,
} from "@gridledger/domain/market";
import { IntervalKind, ParticipantKind } from "@gridledger/protocol";
import type { ChainSession } from "../chain/session.ts";
import { admitAndFund, poolAccount, type AccountPools } from "./auctionAccounts.ts";
import { withMarketChain } from "./marketChain.ts";
import { MarketWorkflow, type PeriodSpec } from "./workflow.ts";

export type OnChainResult = { matches: AuctionMatch[]; gas: { place: number; clear: number } };

/** One participant per order: renewable sells from the renewable pool, everything else not. */
const POOLS: AccountPools = {
  renewableBase: 10_000,
  conventionalBase: 20_000,
  renewableKind: ParticipantKind.PV,
  conventionalKind: ParticipantKind.ConventionalGenerator,
  detailsHash: `0x${"11".repeat(32)}`,
};
/** Books above this many orders are cleared in resumable chunks (a transaction's gas is capped). */
const CHUNK = 1_000;
/** Seconds from opening to gate closure: room to place every order first. */
const GATE_LEAD_S = 600;
/** The clearing walk does not look at the period's prices: a high grid price, a token bond. */
const TERMS = {
  duration: 900,
  meteringWindow: 3_600,
  gridBuyPrice: 1_000_000,
  feedInPrice: 1,
  bandBps: 500,
  bondRate: 1,
  minQuantityWh: 1,
} satisfies Omit<PeriodSpec, "start">;

const isRenewableSell = (o: AuctionOrder) => o.side === "sell" && o.renewable === true;

/**
 * Runs several books through the market workflow on `chain`, one delivery period and day-ahead
 * interval each: admit and fund one participant per order, place every book's orders in file
 * order, close the gates, clear (books above `chunk` orders in resumable chunks), read the matches. Per book: the matches (order ids of the input)
 * and the gas (mean placement, total clearing).
 *
 * @example const [{ matches, gas }] = await clearBooks(chain, [{ orders }])
 */
export async function clearBooks(
  chain: ChainSession,
  books: readonly AuctionInput[],
  options: { chunk?: number } = {},
): Promise<OnChainResult[]> {
  const wf = new MarketWorkflow(chain);
  const accountsOf = books.map((b) => {
    const next = { renewable: 0, conventional: 0 };
    return b.orders.map((o) =>
      isRenewableSell(o)
        ? poolAccount(POOLS, true, next.renewable++)
        : poolAccount(POOLS, false, next.conventional++),
    );
  });
  const need = new Map<number, bigint>();
  books.forEach((b, i) =>
    b.orders.forEach((o, k) => {
      const account = accountsOf[i]![k]!;
      need.set(account, (need.get(account) ?? 0n) + lockAmount(o, TERMS));
    }),
  );
  const renewable = Math.max(0, ...books.map((b) => b.orders.filter(isRenewableSell).length));
  const conventional = Math.max(
    0,
    ...books.map((b) => b.orders.filter((o) => !isRenewableSell(o)).length),
  );
  await admitAndFund(wf, POOLS, { renewable, conventional }, need);

  const gateClosure = (await chain.latestTimestamp()) + GATE_LEAD_S;
  const { periodIds } = await wf.openPeriods(books.map(() => ({ ...TERMS, start: gateClosure })));
  const { intervalIds } = await wf.openIntervals(
    periodIds.map((periodId) => ({ periodId, kind: IntervalKind.DayAhead, gateClosure })),
  );
  const { books: placedOf } = await wf.placeBooks(
    books.map((b, i) => ({
      intervalId: intervalIds[i]!,
      orders: b.orders.map((o, k) => ({
        account: accountsOf[i]![k]!,
        side: o.side,
        price: o.price,
        quantity: o.quantity,
        label: `order ${o.id} (book ${i})`,
      })),
    })),
  );
  await wf.waitUntil(gateClosure);
  const cleared = await wf.clear(
    placedOf.map((orders, i) => ({ intervalId: intervalIds[i]!, orders })),
    { chunk: options.chunk ?? CHUNK },
  );
  return books.map((b, i) => {
    const nameOf = new Map(placedOf[i]!.map((p, k) => [p.orderId, b.orders[k]!.id]));
    const placeGas = placedOf[i]!.map((p) => p.gasUsed);
    const interval = cleared.intervals[i]!;
    return {
      matches: interval.matches.map((m) => ({
        sell: nameOf.get(m.sellOrderId)!,
        buy: nameOf.get(m.buyOrderId)!,
        quantity: Number(m.quantity),
        price: Number(m.price),
      })),
      gas: {
        place:
          placeGas.length === 0
            ? 0
            : Math.round(placeGas.reduce((a, g) => a + g, 0) / placeGas.length),
        clear: interval.gas,
      },
    };
  });
}

/**
 * `gridledger auction clear` on-chain: one book on the configured chain, or on a throwaway devnet.
 *
 * @example const { matches, gas } = await clearOnChain({ orders })
 */
export async function clearOnChain(input: AuctionInput): Promise<OnChainResult> {
  return withMarketChain(async (chain) => (await clearBooks(chain, [input]))[0]!);
}
