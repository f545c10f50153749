import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  BOND_RATE,
  DURATION,
  GRID_BUY,
  METERING_WINDOW,
  Side,
  UNIT,
  clearingLists,
  deployMarketFixture,
  fund,
  openInterval,
  recordsOf,
} from "./marketFixtures";
import { isUnmatchedRecord, lockAmount, lockRate } from "./reference";

type Cmd =
  | { t: "deposit"; who: number; amount: number }
  | { t: "withdraw"; who: number; amount: number }
  | { t: "place"; who: number; sell: boolean; price: number; qty: number }
  | { t: "cancel"; k: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("deposit" as const),
      who: fc.nat(14),
      amount: fc.integer({ min: 1, max: 5_000_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("withdraw" as const),
      who: fc.nat(14),
      amount: fc.integer({ min: 1, max: 1_200_000_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("place" as const),
      who: fc.nat(14),
      sell: fc.boolean(),
      price: fc.integer({ min: 40, max: 340 }),
      qty: fc.integer({ min: 1, max: 3_000_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), k: fc.nat(40) }) },
);

const MARKET = { gridBuyPrice: GRID_BUY, bondRate: BOND_RATE };

describe("EnergyMarket escrow conservation (property)", () => {
  it("keeps deposits = balances + locks after every step of random deposits, orders, cancels, chunked clearing, tally, metering and settlement", async () => {
    let totalMatches = 0;
    let cancels = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { minLength: 5, maxLength: 22 }),
        fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(6000), fc.nat(6000)), { minLength: 15, maxLength: 15 }),
        async (cmds, chunks, readings) => {
          const f = await loadFixture(deployMarketFixture);
          const { market, token, metering } = f;
          const people = [...f.renewables, ...f.conventionals, ...f.consumers];
          const marketAddress = await market.getAddress();
          const { id, periodId, gateClosure, start } = await openInterval(market);
          const orders: {
            id: bigint;
            who: number;
            side: "buy" | "sell";
            price: bigint;
            lock: bigint;
            cancelled: boolean;
          }[] = [];

          /** The escrow identity; optionally the total locked. */
          const check = async (expectedLocked?: bigint) => {
            let available = 0n;
            let locked = 0n;
            for (const p of people) {
              const [a, l] = await market.balanceOf(p.address);
              available += a;
              locked += l;
            }
            expect(available + locked).to.equal((await token.balanceOf(marketAddress)) * UNIT);
            if (expectedLocked !== undefined) expect(locked).to.equal(expectedLocked);
          };
          const liveLocks = () =>
            orders.filter((o) => !o.cancelled).reduce((s, o) => s + o.lock, 0n);

          for (const c of cmds) {
            const who = people["who" in c ? c.who : 0]!;
            if (c.t === "deposit") {
              await fund(token, market, who, BigInt(c.amount));
            } else if (c.t === "withdraw") {
              const [available] = await market.balanceOf(who.address);
              const tx = market.connect(who).withdraw(BigInt(c.amount));
              if (BigInt(c.amount) * UNIT > available) {
                await expect(tx).to.be.revertedWithCustomError(market, "MarketInsufficientBalance");
                rejected++;
              } else {
                await tx;
              }
            } else if (c.t === "place") {
              const price = BigInt(c.price);
              const qty = BigInt(c.qty);
              const side = c.sell ? ("sell" as const) : ("buy" as const);
              const lock = lockAmount({ side, price, quantity: qty }, MARKET);
              const [available] = await market.balanceOf(who.address);
              const s = c.sell ? Side.Sell : Side.Buy;
              if (lock > available) {
                await expect(
                  market.connect(who).placeOrder(id, s, price, qty),
                ).to.be.revertedWithCustomError(market, "MarketInsufficientBalance");
                rejected++;
              } else {
                const orderId = await market.connect(who).placeOrder.staticCall(id, s, price, qty);
                await market.connect(who).placeOrder(id, s, price, qty);
                orders.push({ id: orderId, who: c.who, side, price, lock, cancelled: false });
              }
            } else if (orders.length > 0) {
              const o = orders[c.k % orders.length]!;
              if (!o.cancelled) {
                await market.connect(people[o.who]!).cancelOrder(o.id);
                o.cancelled = true;
                cancels++;
              }
            }
            await check(liveLocks());
          }

          // Clearing in random chunks moves no balance: every live lock stays until tally.
          await time.increaseTo(gateClosure);
          const lists = await clearingLists(market, id);
          const hashes: string[] = [];
          for (let round = 0; ; round++) {
            const st = await market.clearingState(id);
            const [a, b, c] = round < chunks.length ? chunks[round]! : [1e9, 1e9, 1e9];
            const slice = (l: bigint[], k: number, n: number) =>
              l.slice(Number(st.seen[k]), Number(st.seen[k]) + n);
            const args = [
              id,
              slice(lists.renewable, 0, a),
              slice(lists.conventional, 1, b),
              slice(lists.buys, 2, c),
            ] as const;
            const done = await market.clearChunk.staticCall(...args);
            hashes.push((await market.clearChunk(...args)).hash);
            await check(liveLocks());
            if (done) break;
          }
          const records = await recordsOf(market, hashes);
          const matches = records.filter((r) => !isUnmatchedRecord(r));
          totalMatches += matches.length;

          // Tally releases the unmatched remainders: exactly the matched worst case stays locked.
          await market.tally(id, records);
          let reserved = 0n;
          const byId = new Map(orders.map((o) => [o.id & 0xffffffffn, o]));
          for (const r of matches) {
            const q = (r >> 64n) & ((1n << 40n) - 1n);
            const p = (r >> 104n) & ((1n << 40n) - 1n);
            const s = byId.get(r & 0xffffffffn)!;
            const b = byId.get((r >> 32n) & 0xffffffffn)!;
            reserved += q * (lockRate(s, MARKET) + lockRate(b, MARKET));
            expect(s.side === "sell" && b.side === "buy" && s.price <= p && p <= b.price).to.equal(
              true,
            );
          }
          await check(reserved);

          await time.increaseTo(start + DURATION);
          for (let i = 0; i < people.length; i++) {
            const [produced, consumed] = readings[i]!;
            if ((produced + consumed) % 5 !== 0) {
              await metering.report(market, [
                {
                  periodId,
                  participant: people[i]!.address,
                  produced: produced * 100,
                  consumed: consumed * 100,
                },
              ]);
              await check(reserved);
            }
          }
          await time.increaseTo(start + DURATION + METERING_WINDOW);
          await market.settle(id, records);
          await check(0n);
        },
      ),
      { seed: 20261122, numRuns: 8 },
    );
    // The generated sequences really trade, cancel and hit the balance checks.
    expect(totalMatches).to.be.greaterThan(3);
    expect(cancels).to.be.greaterThan(0);
    expect(rejected).to.be.greaterThan(0);
  });
});
