import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import fc from "fast-check";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import type { MarketProbe } from "../../typechain-types";
import {
  BAND_BPS,
  BOND_RATE,
  DURATION,
  FEED_IN,
  GRID_BUY,
  Side,
  admit,
  deployMarketFixture,
  fund,
  openInterval,
  place,
} from "./marketFixtures";
import {
  CHUNK_ATTACKS,
  ClearingTracker,
  buildChunk,
  clearingLogs,
  registerErrorAbis,
  revertName,
  type ChunkAttackKind,
  type ClearingSnapshot,
  type TrackedOrder,
} from "../../scripts/fuzz/marketFuzz";
import { isUnmatchedRecord, lockRate, settlePeriod, type MeterReading } from "./reference";
import { protocol } from "../helpers/protocol";

/**
 * Hostile clearing callers against the reference walk. A clearing call may revert; when it does
 * not, what it accepted must be consistent (ClearingTracker: only ids of the right list in strictly
 * increasing key order, records consistent with the book and, while no order was skipped, with
 * `walkBook`; no balance moves). Whatever happened, anyone can finish: a committed omission is
 * provable with restartClearing, and the finished walk's records are the reference's.
 *
 * Records are compared exactly, however the walk was chunked: the contract records the unmatched
 * tail list by list, so the record chain is a function of the book alone.
 */

type BookOrder = TrackedOrder & { owner: HardhatEthersSigner; side: "buy" | "sell" };

const CLEARING_REVERTS = [
  "MarketOrderOutOfSequence",
  "MarketOrderNotInList",
  "MarketListTooLong",
  "MarketIncompleteLists",
];

/** The market fixture plus a second period's interval with one order of each class (foreign ids). */
async function attackFixture() {
  const f = await deployMarketFixture();
  const signers = await ethers.getSigners();
  const foreignR = signers[18]!;
  const foreignC = signers[19]!;
  await admit(f.registry, foreignR, true);
  await admit(f.registry, foreignC, false);
  await fund(f.token, f.market, foreignR);
  await fund(f.token, f.market, foreignC);
  const target = await openInterval(f.market);
  const other = await openInterval(f.market);
  const foreignIds = [
    (await place(f.market, other.id, foreignR, Side.Sell, 100n, 10n)).id,
    (await place(f.market, other.id, foreignC, Side.Sell, 100n, 10n)).id,
    (await place(f.market, other.id, foreignC, Side.Buy, 120n, 10n)).id,
  ];
  const probe = (await ethers.deployContract("MarketProbe")) as unknown as MarketProbe;
  registerErrorAbis([f.market.interface, f.token.interface, f.registry.interface]);
  return {
    ...f,
    target,
    foreignIds,
    probe,
    callers: signers.slice(0, 18),
    holders: [...f.renewables, ...f.conventionals, ...f.consumers, foreignR, foreignC],
  };
}
type AttackFixture = Awaited<ReturnType<typeof attackFixture>>;

/** Places `book` in the target interval; returns the orders with their ids. */
async function placeBook(
  f: AttackFixture,
  book: {
    owner: HardhatEthersSigner;
    sell: boolean;
    price: bigint;
    qty: bigint;
    cancel: boolean;
  }[],
): Promise<BookOrder[]> {
  const renewable = new Set(f.renewables.map((s) => s.address));
  const id = f.target.id;
  const orders: BookOrder[] = [];
  for (const [i, o] of book.entries()) {
    await f.market.connect(o.owner).placeOrder(id, o.sell ? Side.Sell : Side.Buy, o.price, o.qty);
    const orderId = (id << 32n) | BigInt(i + 1);
    if (o.cancel) await f.market.connect(o.owner).cancelOrder(orderId);
    orders.push({
      id: orderId,
      seq: BigInt(i + 1),
      list: o.sell ? (renewable.has(o.owner.address) ? 0 : 1) : 2,
      price: o.price,
      quantity: o.qty,
      cancelled: o.cancel,
      owner: o.owner,
      side: o.sell ? "sell" : "buy",
    });
  }
  return orders;
}

async function stateOf(f: AttackFixture): Promise<ClearingSnapshot> {
  const st = await f.market.clearingState(f.target.id);
  return {
    seen: [st.seen[0], st.seen[1], st.seen[2]],
    epoch: st.epoch,
    entryCount: st.entryCount,
    entryHash: st.entryHash,
    status: (await f.market.interval(f.target.id)).status,
  };
}

type Attempt = { receipt: TransactionReceipt; error?: undefined } | { error: string };

/** Sends a transaction; a revert is an outcome, not a failure. */
async function attempt(send: () => Promise<ContractTransactionResponse>): Promise<Attempt> {
  try {
    const tx = await send();
    return { receipt: (await tx.wait())! };
  } catch (e) {
    return { error: revertName(e) };
  }
}

/** Σ available + locked of `holders` must be the market's token balance × 1000. */
async function balancesOf(f: AttackFixture) {
  const [tokenBalance, available, locked] = await f.probe.balances(
    await f.market.getAddress(),
    f.holders.map((h) => h.address),
  );
  const sum = [...available, ...locked].reduce((a, b) => a + b, 0n);
  expect(tokenBalance * 1000n, "token balance × 1000 == Σ available + locked").to.equal(sum);
  return { available: [...available], locked: [...locked] };
}

const matchesOf = (records: readonly bigint[]) => records.filter((r) => !isUnmatchedRecord(r));

/** The records of the current attempt from the receipts' events (those after the last restart). */
function recordsFromEvents(f: AttackFixture, receipts: readonly TransactionReceipt[]): bigint[] {
  let out: bigint[] = [];
  for (const r of receipts) {
    for (const log of clearingLogs(f.market, r, f.target.id)) {
      if (log.name === "ClearingRestarted") out = [];
      else if (log.name === "Matched")
        out.push(protocol.packMatchRecord(log.sell, log.buy, log.quantity, log.price));
      else out.push(protocol.packUnmatchedRecord(log.order, log.quantity));
    }
  }
  return out;
}

describe("EnergyMarket clearing under attack (property)", () => {
  it("accepts only consistent walks from hostile chunk sequences, and anyone can finish with the reference result and money", async function () {
    this.timeout(120_000);
    const stats = { runs: 0, accepted: 0, reverted: 0, restarts: 0, matches: 0 };
    const attackArb = fc.record({
      kind: fc.constantFrom<ChunkAttackKind | "restart">(
        ...CHUNK_ATTACKS,
        "honest",
        "honest",
        "skip",
        "skip",
        "skip",
        "skip",
        "restart",
        "restart",
        "restart",
      ),
      list: fc.nat(2),
      // Small chunks, or everything left (so the walk gets past a skipped id).
      sizes: fc.tuple(
        ...[0, 1, 2].map(() =>
          fc.oneof(
            { weight: 5, arbitrary: fc.nat(3) },
            { weight: 1, arbitrary: fc.constant(1000) },
          ),
        ),
      ),
      pick: fc.nat(10_000),
      signer: fc.nat(17),
      whole: fc.nat(5),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.nat(14),
            sell: fc.boolean(),
            price: fc.integer({ min: 95, max: 125 }),
            qty: fc.integer({ min: 1, max: 3000 }),
            cancel: fc.nat(5),
          }),
          { minLength: 6, maxLength: 24, size: "medium" },
        ),
        fc.array(attackArb, { maxLength: 16 }),
        fc.array(fc.option(fc.tuple(fc.nat(6000), fc.nat(6000)), { nil: undefined }), {
          minLength: 15,
          maxLength: 15,
        }),
        fc.nat(17),
        fc.boolean(),
        async (book, attacks, readings, finisher, chunkedSettle) => {
          const f = await loadFixture(attackFixture);
          const { market } = f;
          const people = [...f.renewables, ...f.conventionals, ...f.consumers];
          const id = f.target.id;
          const orders = await placeBook(
            f,
            book.map((o) => ({
              owner: people[o.who]!,
              sell: o.sell,
              price: BigInt(o.price),
              qty: BigInt(o.qty),
              cancel: o.cancel === 0,
            })),
          );
          await time.increaseTo(f.target.gateClosure);
          const before = await balancesOf(f);
          const tracker = new ClearingTracker(id, orders);
          const cancelledIds = orders.filter((o) => o.cancelled).map((o) => o.id);
          const receipts: TransactionReceipt[] = [];

          const acceptClear = async (lists: bigint[][], receipt: TransactionReceipt) => {
            receipts.push(receipt);
            const bad = tracker.applyClear(
              lists,
              await stateOf(f),
              clearingLogs(market, receipt, id),
            );
            expect(bad, "accepted clearing call is consistent").to.deep.equal([]);
          };
          const acceptRestart = async (omitted: bigint, receipt: TransactionReceipt) => {
            receipts.push(receipt);
            stats.restarts++;
            const bad = tracker.applyRestart(
              omitted,
              await stateOf(f),
              clearingLogs(market, receipt, id),
            );
            expect(bad, "accepted restart is consistent").to.deep.equal([]);
          };

          for (const a of attacks) {
            const by = f.callers[a.signer]!;
            if (a.kind === "restart") {
              const omitted = tracker.omitted();
              const pool = [
                ...orders.map((o) => o.id),
                ...f.foreignIds,
                (id << 32n) | BigInt(orders.length + 1),
                0n,
              ];
              const rid =
                omitted.length > 0 && a.pick % 2 === 0
                  ? omitted[a.pick % omitted.length]!
                  : pool[a.pick % pool.length]!;
              const provable = !tracker.done && tracker.isOmitted(rid);
              const out = await attempt(() => market.connect(by).restartClearing(id, rid));
              if (out.error === undefined) {
                expect(provable, `restart with ${rid} accepted`).to.equal(true);
                await acceptRestart(rid, out.receipt);
              } else {
                expect(provable, `restart with provable ${rid} reverted ${out.error}`).to.equal(
                  false,
                );
                expect(out.error).to.equal(
                  tracker.done ? "MarketAlreadyCleared" : "MarketNoOmission",
                );
              }
            } else {
              // A skip targets a list with at least two ids left; half the skips pass everything
              // else, so the walk runs past the skipped id.
              const list =
                a.kind === "skip"
                  ? ([0, 1, 2]
                      .map((k) => (a.list + k) % 3)
                      .find((l) => tracker.rest(l).length >= 2) ?? a.list)
                  : a.list;
              const sizes =
                a.kind === "skip" && a.pick % 2 === 0
                  ? a.sizes.map((x, l) => (l === list ? Math.max(x, 2) : 1000))
                  : a.sizes;
              const lists = buildChunk(
                tracker,
                { ...a, kind: a.kind, list, sizes },
                f.foreignIds,
                cancelledIds,
              );
              const whole = a.whole === 0;
              const honest = tracker.isHonest(lists);
              const completes =
                honest && tracker.isWholeRest(lists) && tracker.omitted().length === 0;
              const out = await attempt(() =>
                whole
                  ? market.connect(by).clear(id, lists[0]!, lists[1]!, lists[2]!)
                  : market.connect(by).clearChunk(id, lists[0]!, lists[1]!, lists[2]!),
              );
              if (out.error === undefined) {
                stats.accepted++;
                expect(tracker.done, "a call after the clearing succeeded").to.equal(false);
                await acceptClear(lists, out.receipt);
                if (whole) expect(tracker.done, "clear returned without clearing").to.equal(true);
              } else {
                stats.reverted++;
                if (tracker.done) expect(out.error).to.equal("MarketAlreadyCleared");
                else {
                  expect(honest && !whole, `honest chunk reverted with ${out.error}`).to.equal(
                    false,
                  );
                  expect(completes, `complete honest clear reverted with ${out.error}`).to.equal(
                    false,
                  );
                  expect(CLEARING_REVERTS).to.include(out.error);
                  if (whole && honest) expect(out.error).to.equal("MarketIncompleteLists");
                }
              }
            }
            // A partial walk moves no balance.
            expect(await balancesOf(f)).to.deep.equal(before);
          }

          // Anyone can finish: prove the omission if the walk skipped an order, then clear.
          if (!tracker.done) {
            const by = f.callers[finisher]!;
            const omitted = tracker.omitted();
            if (omitted.length > 0) {
              const out = await attempt(() => market.connect(by).restartClearing(id, omitted[0]!));
              expect(out.error, "restart with a skipped order").to.equal(undefined);
              await acceptRestart(omitted[0]!, (out as { receipt: TransactionReceipt }).receipt);
            }
            const lists = [0, 1, 2].map((l) => tracker.rest(l));
            const tx = await market.connect(by).clear(id, lists[0]!, lists[1]!, lists[2]!);
            await acceptClear(lists, (await tx.wait())!);
          }
          expect(tracker.done).to.equal(true);
          const records = recordsFromEvents(f, receipts);
          expect(records, "event records after the last restart").to.deep.equal(tracker.records);
          expect(matchesOf(records), "matches == walkBook").to.deep.equal(
            matchesOf(tracker.reference),
          );
          expect(records, "records == walkBook, however chunked").to.deep.equal(tracker.reference);
          stats.matches += matchesOf(records).length;
          expect(await balancesOf(f), "no balance moved before tally").to.deep.equal(before);

          // Tally: unmatched locks released, matched reservations stay.
          await market.connect(f.callers[finisher]!).tally(id, records);
          const matched = new Map<bigint, bigint>();
          for (const r of matchesOf(records)) {
            const q = (r >> 64n) & ((1n << 40n) - 1n);
            for (const seq of [r & 0xffffffffn, (r >> 32n) & 0xffffffffn])
              matched.set(seq, (matched.get(seq) ?? 0n) + q);
          }
          const rate = (o: BookOrder) =>
            lockRate(o, { gridBuyPrice: GRID_BUY, bondRate: BOND_RATE });
          const afterTally = await balancesOf(f);
          people.forEach((p, i) => {
            const reserved = orders
              .filter((o) => o.owner === p && !o.cancelled)
              .reduce((s, o) => s + rate(o) * (matched.get(o.seq) ?? 0n), 0n);
            expect(afterTally.locked[i], `locked of ${p.address} after tally`).to.equal(reserved);
          });

          // Meters (some missing), then payment.
          await time.increaseTo(f.target.start + DURATION);
          const meters: Record<string, MeterReading> = {};
          const entries = [];
          for (const [i, r] of readings.entries()) {
            if (r === undefined) continue;
            const who = people[i]!.address;
            entries.push({
              periodId: f.target.periodId,
              participant: who,
              produced: r[0],
              consumed: r[1],
            });
            meters[who] = { producedWh: r[0], consumedWh: r[1] };
          }
          if (entries.length > 0) await f.metering.report(market, entries);
          await time.increaseTo(f.target.settleAfter);
          if (chunkedSettle) await market.settleChunk(id, records);
          else await market.settle(id, records);

          const ref = settlePeriod(
            { gridBuyPrice: GRID_BUY, feedInPrice: FEED_IN, bandBps: BAND_BPS },
            [
              {
                orders: orders.map((o) => ({
                  id: String(o.seq),
                  owner: o.owner.address,
                  side: o.side,
                  price: Number(o.price),
                  quantity: Number(o.quantity),
                  renewable: o.list === 0,
                  cancelled: o.cancelled,
                })),
              },
            ],
            meters,
          );
          const after = await balancesOf(f);
          people.forEach((p, i) => {
            expect(after.locked[i], `no lock left for ${p.address}`).to.equal(0n);
            const net = ref.participants.find((x) => x.owner === p.address)?.net ?? 0n;
            expect(
              after.available[i]! - before.available[i]!,
              `net of ${p.address} == reference net + released lock`,
            ).to.equal(net + before.locked[i]!);
          });
          stats.runs++;
        },
      ),
      { seed: 0x0c1ea2, numRuns: 60 },
    );
    // The generated attacks really hit the contract both ways and commit provable omissions.
    expect(stats.runs).to.equal(60);
    expect(stats.accepted).to.be.greaterThan(60);
    expect(stats.reverted).to.be.greaterThan(40);
    expect(stats.restarts).to.be.greaterThan(8);
    expect(stats.matches).to.be.greaterThan(100);
  });

  it("records a tail cleared over several calls list by list, exactly as walkBook, and defers ids of a later list", async () => {
    const f = await loadFixture(attackFixture);
    const { market } = f;
    const id = f.target.id;
    // Nothing crosses: every order ends in the unmatched tail.
    const orders = await placeBook(
      f,
      [
        [f.renewables[0]!, true, 200n],
        [f.conventionals[0]!, true, 200n],
        [f.conventionals[1]!, true, 210n],
        [f.conventionals[2]!, true, 220n],
        [f.consumers[0]!, false, 50n],
        [f.consumers[1]!, false, 40n],
        [f.consumers[2]!, false, 30n],
      ].map(([owner, sell, price]) => ({
        owner: owner as HardhatEthersSigner,
        sell: sell as boolean,
        price: price as bigint,
        qty: 100n,
        cancel: false,
      })),
    );
    await time.increaseTo(f.target.gateClosure);
    const t = new ClearingTracker(id, orders);
    const receipts: TransactionReceipt[] = [];
    for (const lists of [
      // The walk consumes o0, o1 and o4 before the tail; buys passed while the conventional tail
      // is unfinished wait (o5 is not consumed by the second call and is passed again).
      [[orders[0]!.id], [orders[1]!.id], [orders[4]!.id]],
      [[], [orders[2]!.id], [orders[5]!.id]],
      [[], [orders[3]!.id], [orders[5]!.id, orders[6]!.id]],
    ]) {
      const r = (await (await market.clearChunk(id, lists[0]!, lists[1]!, lists[2]!)).wait())!;
      receipts.push(r);
      expect(t.applyClear(lists, await stateOf(f), clearingLogs(market, r, id))).to.deep.equal([]);
    }
    expect(t.done).to.equal(true);
    const seqs = (rs: bigint[]) => rs.map((r) => Number(r & 0xffffffffn));
    expect(seqs(t.reference)).to.deep.equal([1, 2, 5, 3, 4, 6, 7]); // walkBook: c tail, then b tail
    expect(seqs(t.records)).to.deep.equal(seqs(t.reference)); // the chain, chunked per call
    // The chain's own order is what tally and settle verify; the money does not depend on it.
    const records = recordsFromEvents(f, receipts);
    await market.tally(id, records);
    const { locked } = await balancesOf(f);
    expect(locked.every((l) => l === 0n)).to.equal(false); // the foreign interval's orders
    for (const o of orders) {
      const [, l] = await market.balanceOf(o.owner.address);
      expect(l).to.equal(0n);
    }
  });

  /** One fixed book that crosses, has a renewable price gap, ties, cancelled orders and a long tail. */
  async function boundaryFixture() {
    const f = await attackFixture();
    const [R, C, B] = [f.renewables, f.conventionals, f.consumers];
    const spec: [HardhatEthersSigner, boolean, number, number, boolean][] = [
      [R[0]!, true, 100, 3000, false], // r1
      [B[0]!, false, 250, 2500, false], // b1
      [C[0]!, true, 90, 2500, false], // c1
      [R[1]!, true, 100, 1000, false], // r2 (ties r1)
      [B[1]!, false, 180, 2000, false], // b2
      [C[1]!, true, 120, 1500, false], // c2
      [R[2]!, true, 130, 2000, true], // r3 cancelled
      [B[2]!, false, 150, 3000, false], // b3
      [C[2]!, true, 120, 500, true], // c3 cancelled
      [R[3]!, true, 160, 2000, false], // r4: price gap
      [B[3]!, false, 150, 500, true], // b4 cancelled
      [C[3]!, true, 170, 1000, false], // c4 tail
      [R[4]!, true, 200, 1000, false], // r5 tail
      [B[4]!, false, 110, 2000, false], // b5
      [C[4]!, true, 210, 1000, false], // c5 tail
      [B[0]!, false, 60, 1000, false], // b6 tail
    ];
    const orders = await placeBook(
      f,
      spec.map(([owner, sell, price, qty, cancel]) => ({
        owner,
        sell,
        price: BigInt(price),
        qty: BigInt(qty),
        cancel,
      })),
    );
    await time.increaseTo(f.target.gateClosure);
    return { ...f, orders };
  }

  it("refuses a replay and makes any committed skip provable at every chunk boundary of one book", async function () {
    this.timeout(120_000);
    const f = await loadFixture(boundaryFixture);
    const { market, orders } = f;
    const id = f.target.id;
    const base = await takeSnapshot();

    const clearChunk = async (t: ClearingTracker, lists: bigint[][]) => {
      const r = (await (await market.clearChunk(id, lists[0]!, lists[1]!, lists[2]!)).wait())!;
      expect(t.applyClear(lists, await stateOf(f), clearingLogs(market, r, id))).to.deep.equal([]);
    };

    // The walk's consumption order, one id at a time (in the tail the lists go r, c, b).
    const order: { list: number; id: bigint }[] = [];
    const probe = new ClearingTracker(id, orders);
    for (let guard = 0; !probe.done; guard++) {
      expect(guard).to.be.lessThan(100);
      let advanced = false;
      for (const l of [0, 1, 2]) {
        const next = probe.continuation(l, 1);
        if (next.length === 0) continue;
        const snap = await takeSnapshot();
        const lists: bigint[][] = [[], [], []];
        lists[l] = next;
        await market.clearChunk(id, lists[0]!, lists[1]!, lists[2]!);
        if ((await market.clearingState(id)).seen[l] > BigInt(probe.seen[l]!)) {
          await snap.restore();
          await clearChunk(probe, lists);
          order.push({ list: l, id: next[0]! });
          advanced = true;
          break;
        }
        await snap.restore();
      }
      if (!advanced) await clearChunk(probe, [[], [], []]);
    }
    const n = orders.length;
    expect(order.map((o) => o.id).sort()).to.deep.equal(orders.map((o) => o.id).sort());
    // Fed one id per call, list by list in the tail, the records are exactly walkBook's.
    expect(probe.records).to.deep.equal(probe.reference);

    let committed = 0;
    for (let k = 0; k <= n; k++) {
      const counts = [0, 0, 0];
      for (const o of order.slice(0, k)) counts[o.list]!++;
      /** The chain with exactly the walk's first k ids consumed (one clearChunk), and its tracker. */
      const atPrefix = async () => {
        await base.restore();
        const t = new ClearingTracker(id, orders);
        if (k > 0)
          await clearChunk(
            t,
            [0, 1, 2].map((l) => t.lists[l]!.slice(0, counts[l])),
          );
        expect(t.seen, `after the first ${k} ids`).to.deep.equal(counts);
        return t;
      };
      const rests = (tr: ClearingTracker) => [0, 1, 2].map((l) => tr.rest(l));
      const t = await atPrefix();
      if (k === n) {
        expect(t.done).to.equal(true);
        await expect(market.clearChunk(id, [], [], []))
          .to.be.revertedWithCustomError(market, "MarketAlreadyCleared")
          .withArgs(id);
        continue;
      }

      // Replaying the last id consumed from any list (id k−1 among them) reverts, in either call.
      for (let l = 0; l < 3; l++) {
        if (counts[l] === 0) continue;
        const replayed = t.lists[l]![counts[l]! - 1]!;
        const lists = rests(t);
        lists[l] = [replayed, ...lists[l]!];
        for (const whole of [false, true]) {
          const call = whole
            ? market.clear(id, lists[0]!, lists[1]!, lists[2]!)
            : market.clearChunk(id, lists[0]!, lists[1]!, lists[2]!);
          if (counts[l]! < t.totals[l]!) {
            await expect(call, `replay of ${replayed} at k=${k}`)
              .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
              .withArgs(l, counts[l], replayed);
          } else {
            await expect(call, `replay of ${replayed} at k=${k} (list done)`)
              .to.be.revertedWithCustomError(market, "MarketListTooLong")
              .withArgs(l, t.totals[l]);
          }
        }
      }

      /** Anyone finishes: a committed omission is proven (and only it), then one clear. */
      const finish = async (tr: ClearingTracker) => {
        const omitted = tr.omitted();
        if (omitted.length > 0) {
          committed++;
          const wrong = tr.lists.flat().find((x) => !tr.isOmitted(x))!;
          await expect(market.restartClearing(id, wrong))
            .to.be.revertedWithCustomError(market, "MarketNoOmission")
            .withArgs(id, wrong);
          const r = rests(tr);
          await expect(market.clear(id, r[0]!, r[1]!, r[2]!)).to.be.revertedWithCustomError(
            market,
            "MarketIncompleteLists",
          );
          const rc = (await (await market.restartClearing(id, omitted[0]!)).wait())!;
          expect(
            tr.applyRestart(omitted[0]!, await stateOf(f), clearingLogs(market, rc, id)),
          ).to.deep.equal([]);
        }
        const r = rests(tr);
        const rc = (await (await market.clear(id, r[0]!, r[1]!, r[2]!)).wait())!;
        expect(tr.applyClear(r, await stateOf(f), clearingLogs(market, rc, id))).to.deep.equal([]);
        expect(tr.done).to.equal(true);
        expect(matchesOf(tr.records)).to.deep.equal(matchesOf(tr.reference));
        if (omitted.length > 0) expect(tr.records).to.deep.equal(tr.reference);
      };

      // Skipping id k (the next one the walk needs) commits at most a provable omission.
      const next = order[k]!;
      {
        const lists = rests(t);
        lists[next.list] = lists[next.list]!.slice(1);
        await clearChunk(t, lists);
        const passedOver = t.last[next.list]! > t.lists[next.list]!.indexOf(next.id);
        expect(t.isOmitted(next.id)).to.equal(passedOver);
        if (!passedOver) {
          await expect(market.restartClearing(id, next.id))
            .to.be.revertedWithCustomError(market, "MarketNoOmission")
            .withArgs(id, next.id);
        }
        await finish(t);
      }

      // Passing id k+1 alone (without id k) either waits for id k or commits a provable omission.
      if (k + 1 < n) {
        const t2 = await atPrefix();
        const after = order[k + 1]!;
        const lists: bigint[][] = [[], [], []];
        lists[after.list] = [after.id];
        await clearChunk(t2, lists);
        if (after.list === next.list) {
          expect(t2.isOmitted(next.id)).to.equal(t2.seen[after.list]! > counts[after.list]!);
        } else {
          expect(t2.omitted()).to.deep.equal([]);
        }
        await finish(t2);
      }
    }
    expect(committed).to.be.greaterThan(n / 2);
  });
});
