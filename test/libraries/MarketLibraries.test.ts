// Unit tests of the market's libraries on their own (through MarketLibrariesHarness): the
// clearing walk against the TypeScript walkBook, the record chain's hashes and checkpoints, and
// the settlement arithmetic against services' settlement reference, on seeded random inputs.
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import type { MarketLibrariesHarness } from "../../typechain-types";
import {
  buildClearingLists,
  deviation,
  lockRate,
  matchFlows,
  packMatchRecord,
  packUnmatchedRecord,
  walkBook,
  type BookOrder,
} from "../market/reference";
import { protocol } from "../helpers/protocol";

const PHASE_DONE = 4n;
const RUNS = { seed: 18, numRuns: 25 };

/** The chain hash the contract keeps (protocol `recordChainHash`). */
const chainHash = (records: bigint[], from = ethers.ZeroHash): string =>
  protocol.recordChainHash(records, from as `0x${string}`);

async function deployHarness() {
  const harness = (await (
    await ethers.getContractFactory("MarketLibrariesHarness")
  ).deploy()) as unknown as MarketLibrariesHarness;
  const [owner] = await ethers.getSigners();
  return { harness, owner: owner!.address };
}

type Book = { intervalId: bigint; orders: BookOrder[]; ids: bigint[]; words: bigint[] };

/** Stores a book in the harness as placement would: sequence i + 1 for the i-th order. */
async function storeBook(
  harness: MarketLibrariesHarness,
  owner: string,
  intervalId: bigint,
  orders: BookOrder[],
): Promise<Book> {
  const ids = orders.map((_, i) => (intervalId << 32n) | BigInt(i + 1));
  const words: bigint[] = [];
  for (const o of orders) {
    const w = await harness.pack(owner, o.price, o.quantity, o.side === "sell", !!o.renewable);
    words.push(o.cancelled ? w | (1n << 242n) : w);
  }
  await harness.store(ids, words);
  return { intervalId, orders, ids, words };
}

function listsOf(book: Book) {
  const lists = buildClearingLists(
    book.orders.map((o, i) => ({
      id: book.ids[i]!,
      seq: i + 1,
      side: o.side,
      price: o.price,
      renewable: o.side === "sell" && !!o.renewable,
    })),
  );
  const totals: [bigint, bigint, bigint] = [
    BigInt(lists.renewableSells.length),
    BigInt(lists.conventionalSells.length),
    BigInt(lists.buys.length),
  ];
  return { ...lists, totals };
}

/** walkBook's records packed as the contract records them (ids → sequences). */
function referenceRecords(book: Book): bigint[] {
  const seqOf = (id: string) => BigInt(Number(id) + 1);
  return walkBook(book.orders.map((o, i) => ({ ...o, id: String(i) }))).records.map((r) =>
    r.kind === "match"
      ? packMatchRecord(seqOf(r.sell), seqOf(r.buy), BigInt(r.quantity), BigInt(r.price))
      : packUnmatchedRecord(seqOf(r.order), BigInt(r.quantity)),
  );
}

const orderArb: fc.Arbitrary<BookOrder> = fc.record({
  id: fc.constant(""),
  side: fc.constantFrom("buy" as const, "sell" as const),
  price: fc.integer({ min: 1, max: 40 }),
  quantity: fc.integer({ min: 1, max: 50 }),
  renewable: fc.boolean(),
});
// About one order in ten is cancelled before clearing: rare, but present in most books.
const bookArb = fc.array(
  fc
    .tuple(orderArb, fc.integer({ min: 0, max: 9 }))
    .map(([o, k]) => ({ ...o, cancelled: k === 0 })),
  { minLength: 1, maxLength: 24 },
);

describe("ClearingWalk (library)", function () {
  it("walks any book in one call to exactly walkBook's records, hash and consumption", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    let interval = 1n;
    await fc.assert(
      fc.asyncProperty(bookArb, async (orders) => {
        const book = await storeBook(harness, owner, interval++, orders);
        const l = listsOf(book);
        const expected = referenceRecords(book);
        const args = [
          book.intervalId,
          0n,
          l.totals,
          l.renewableSells,
          l.conventionalSells,
          l.buys,
        ] as const;
        const [phase, count, hash] = await harness.walk.staticCall(...args);
        expect(phase).to.equal(PHASE_DONE);
        expect(count).to.equal(BigInt(expected.length));
        expect(hash).to.equal(chainHash(expected));
        await harness.walk(...args);
        for (let seq = 1n; seq <= BigInt(orders.length); seq++) {
          expect(await harness.isConsumed(book.intervalId, 0n, seq)).to.equal(true);
          expect(await harness.isConsumed(book.intervalId, 1n, seq)).to.equal(false);
        }
      }),
      RUNS,
    );
  });

  it("stops where a list runs out and reports the phase, without consuming what it did not see", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    const orders: BookOrder[] = [
      { id: "", side: "sell", price: 10, quantity: 5, renewable: true },
      { id: "", side: "buy", price: 20, quantity: 3 },
      { id: "", side: "buy", price: 15, quantity: 3 },
    ];
    const book = await storeBook(harness, owner, 7n, orders);
    const l = listsOf(book);
    const args: [bigint, bigint, [bigint, bigint, bigint], bigint[], bigint[], bigint[]] = [
      7n,
      5n,
      l.totals,
      l.renewableSells,
      [],
      [l.buys[0]!],
    ];
    const [phase, count] = await harness.walk.staticCall(...args);
    expect(phase).to.equal(1n); // still matching renewables: needs the next buy
    expect(count).to.equal(1n);
    await harness.walk(...args);
    expect(await harness.isConsumed(7n, 5n, 1n)).to.equal(true);
    expect(await harness.isConsumed(7n, 5n, 2n)).to.equal(true);
    expect(await harness.isConsumed(7n, 5n, 3n)).to.equal(false);
  });

  it("rejects replays, reorderings, foreign and wrong-list ids and overlong lists with custom errors", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    const orders: BookOrder[] = [
      { id: "", side: "sell", price: 10, quantity: 5 },
      { id: "", side: "sell", price: 12, quantity: 5 },
      { id: "", side: "buy", price: 20, quantity: 3 },
      { id: "", side: "buy", price: 15, quantity: 3 },
    ];
    const book = await storeBook(harness, owner, 3n, orders);
    await storeBook(harness, owner, 4n, orders); // a foreign interval with the same book
    const [s1, s2, b1, b2] = book.ids as [bigint, bigint, bigint, bigint];
    const totals: [bigint, bigint, bigint] = [0n, 2n, 2n];
    const walk = (c: bigint[], b: bigint[]) => harness.walk(3n, 0n, totals, [], c, b);
    await expect(walk([s2, s1], [b1, b2]))
      .to.be.revertedWithCustomError(harness, "MarketOrderOutOfSequence")
      .withArgs(1, 1, s1);
    await expect(walk([s1, s1], [b1, b2]))
      .to.be.revertedWithCustomError(harness, "MarketOrderOutOfSequence")
      .withArgs(1, 1, s1);
    await expect(walk([s1, s2], [b1, b1]))
      .to.be.revertedWithCustomError(harness, "MarketOrderOutOfSequence")
      .withArgs(2, 1, b1);
    const foreign = (4n << 32n) | 1n;
    await expect(walk([foreign, s2], [b1, b2]))
      .to.be.revertedWithCustomError(harness, "MarketOrderNotInList")
      .withArgs(1, 0, foreign);
    await expect(walk([b1, s2], [b1, b2]))
      .to.be.revertedWithCustomError(harness, "MarketOrderNotInList")
      .withArgs(1, 0, b1);
    const missing = (3n << 32n) | 99n;
    await expect(walk([s1, s2], [missing]))
      .to.be.revertedWithCustomError(harness, "MarketOrderNotInList")
      .withArgs(2, 0, missing);
    await expect(walk([s1, s2, s2], [b1, b2]))
      .to.be.revertedWithCustomError(harness, "MarketListTooLong")
      .withArgs(1, 2);
    await expect(walk([s1, s2], [b1, b2])).not.to.be.reverted;
  });

  it("keys sells ascending and buys descending by price, and sorts orders into their lists", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    const sell = (p: number, renewable: boolean) => harness.pack(owner, p, 1, true, renewable);
    const buy = (p: number) => harness.pack(owner, p, 1, false, false);
    expect(await harness.key(0, await sell(5, true))).to.be.lessThan(
      await harness.key(0, await sell(6, true)),
    );
    expect(await harness.key(2, await buy(6))).to.be.lessThan(await harness.key(2, await buy(5)));
    expect(await harness.listOf(await sell(5, true))).to.equal(0n);
    expect(await harness.listOf(await sell(5, false))).to.equal(1n);
    expect(await harness.listOf(await buy(5))).to.equal(2n);
  });
});

describe("RecordChain (library)", function () {
  it("folds any record list to the keccak chain the TypeScript side computes", async function () {
    const { harness } = await loadFixture(deployHarness);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), { maxLength: 20 }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        async (records, start) => {
          const h = ethers.toBeHex(start, 32);
          expect(await harness.fold(h, records)).to.equal(chainHash(records, h));
        },
      ),
      RUNS,
    );
  });

  it("stores a checkpoint every 256 records of a walk, and ends chunks only on them or at the end", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    // 300 buys and no sells: 300 unmatched records.
    const orders: BookOrder[] = Array.from({ length: 300 }, (_, i) => ({
      id: "",
      side: "buy" as const,
      price: 100 - (i % 50),
      quantity: 1 + (i % 7),
    }));
    const book = await storeBook(harness, owner, 9n, orders);
    const l = listsOf(book);
    await harness.walk(9n, 0n, l.totals, [], [], l.buys);
    const expected = referenceRecords(book);
    expect(expected).to.have.length(300);
    expect(await harness.checkpoint(9n, 1n)).to.equal(chainHash(expected.slice(0, 256)));
    expect(await harness.checkpoint(9n, 2n)).to.equal(ethers.ZeroHash);
    expect(await harness.isChunkEnd(256n, 300n)).to.equal(true);
    expect(await harness.isChunkEnd(300n, 300n)).to.equal(true);
    expect(await harness.isChunkEnd(255n, 300n)).to.equal(false);
    expect(await harness.isChunkEnd(512n, 300n)).to.equal(false);
    expect(await harness.isChunkEnd(0n, 0n)).to.equal(true);
  });
});

describe("MarketMath (library)", function () {
  const u = (max: bigint) => fc.bigInt({ min: 0n, max });

  it("prices locks, deviations and match flows exactly as services' settlement reference", async function () {
    const { harness, owner } = await loadFixture(deployHarness);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          price: fc.integer({ min: 1, max: 1_000 }),
          sell: fc.boolean(),
          gridBuy: u(1_000n),
          feedIn: u(1_000n),
          band: u(10_000n),
          bond: u(500n),
          sold: u(1_000_000n),
          bought: u(1_000_000n),
          produced: u(2_000_000n),
          consumed: u(2_000_000n),
          reported: fc.boolean(),
          qShare: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        async (x) => {
          const word = await harness.pack(owner, x.price, 1, x.sell, false);
          const side = x.sell ? ("sell" as const) : ("buy" as const);
          expect(await harness.lockRate(word, x.gridBuy, x.bond)).to.equal(
            lockRate({ side, price: x.price }, { gridBuyPrice: x.gridBuy, bondRate: x.bond }),
          );
          const reading = x.reported
            ? { producedWh: x.produced, consumedWh: x.consumed }
            : undefined;
          const ref = deviation(x.sold, x.bought, reading);
          const [shortfall, underUse] = await harness.deviationOf(
            x.sold,
            x.bought,
            x.reported,
            x.produced,
            x.consumed,
          );
          expect([shortfall, underUse]).to.deep.equal([ref.shortfall, ref.underUse]);
          // A match of q ≤ min(S, B) Wh between a seller and a buyer with these totals.
          const cap = x.sold < x.bought ? x.sold : x.bought;
          if (cap === 0n) return;
          const q = 1n + BigInt(Math.floor(Number(cap - 1n) * x.qShare));
          const p = BigInt(x.price);
          const flows = matchFlows(
            p,
            q,
            { sold: x.sold, shortfall: ref.shortfall },
            { bought: x.bought, underUse: ref.underUse },
            { gridBuyPrice: x.gridBuy, feedInPrice: x.feedIn, bandBps: x.band },
          );
          expect(
            await harness.matchFlows(
              q,
              p,
              [x.gridBuy, x.feedIn, x.band],
              [x.sold, ref.shortfall, x.bought, ref.underUse],
            ),
          ).to.deep.equal([flows.energy, flows.sellerCompensation, flows.buyerCompensation]);
        },
      ),
      { seed: 18, numRuns: 60 },
    );
  });
});
