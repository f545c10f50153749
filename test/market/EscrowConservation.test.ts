import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  FEED_IN,
  GRID_BUY,
  Side,
  UNIT,
  clearingLists,
  deployMarketFixture,
  fund,
  matchesOf,
  openInterval,
  packMatches,
} from "./marketFixtures";

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

describe("EnergyMarket escrow conservation (property)", () => {
  it("keeps deposits = balances + locks through random deposits, orders, cancels, clearing, metering and settlement", async () => {
    let totalMatches = 0;
    let cancels = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { minLength: 5, maxLength: 22 }),
        fc.array(fc.tuple(fc.nat(6000), fc.nat(6000)), { minLength: 15, maxLength: 15 }),
        async (cmds, readings) => {
          const f = await loadFixture(deployMarketFixture);
          const { market, token } = f;
          const people = [...f.renewables, ...f.conventionals, ...f.consumers];
          const marketAddress = await market.getAddress();
          const { id, gateClosure, start } = await openInterval(market);
          const orders: { id: bigint; who: number; lock: bigint; cancelled: boolean }[] = [];

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
              } else {
                await tx;
              }
            } else if (c.t === "place") {
              const price = BigInt(c.price);
              const qty = BigInt(c.qty);
              const lock = c.sell
                ? qty * (GRID_BUY > price ? GRID_BUY - price : 0n)
                : qty * (price + (price > FEED_IN ? price - FEED_IN : 0n));
              const [available] = await market.balanceOf(who.address);
              const side = c.sell ? Side.Sell : Side.Buy;
              if (lock > available) {
                await expect(
                  market.connect(who).placeOrder(id, side, price, qty),
                ).to.be.revertedWithCustomError(market, "MarketInsufficientBalance");
              } else {
                const orderId = await market
                  .connect(who)
                  .placeOrder.staticCall(id, side, price, qty);
                await market.connect(who).placeOrder(id, side, price, qty);
                orders.push({ id: orderId, who: c.who, lock, cancelled: false });
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

          await time.increaseTo(gateClosure);
          const lists = await clearingLists(market, id);
          const tx = await market.clear(id, lists.renewable, lists.conventional, lists.buys);
          const matches = await matchesOf(market, tx.hash);
          totalMatches += matches.length;
          // After clearing exactly the matched worst case stays locked.
          let reserved = 0n;
          for (const m of matches) {
            const s = await market.order(m.sell);
            const b = await market.order(m.buy);
            reserved += m.quantity * (GRID_BUY > s.price ? GRID_BUY - s.price : 0n);
            reserved += m.quantity * (b.price + (b.price > FEED_IN ? b.price - FEED_IN : 0n));
            expect(s.price <= m.price && m.price <= b.price).to.equal(true);
          }
          await check(reserved);

          await time.increaseTo(start + 900n);
          for (let i = 0; i < people.length; i++) {
            const [produced, consumed] = readings[i]!;
            if ((produced + consumed) % 5 !== 0) {
              await market.reportMeter(
                id,
                people[i]!.address,
                BigInt(produced * 100),
                BigInt(consumed * 100),
              );
            }
          }
          await time.increaseTo(start + 900n + 3600n);
          await market.settle(id, packMatches(matches));
          await check(0n);
        },
      ),
      { seed: 20261122, numRuns: 8 },
    );
    // The generated sequences really trade and cancel, so the invariant is exercised.
    expect(totalMatches).to.be.greaterThan(3);
    expect(cancels).to.be.greaterThan(0);
  });
});
