import { expect } from "chai";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  Side,
  clearingLists,
  deployMarketFixture,
  matchesOf,
  openInterval,
  type MatchEvent,
} from "./marketFixtures";

describe("EnergyMarket resumable clearing (property)", () => {
  it("gives the same matches and balances in random chunk sizes as in one transaction", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.nat(14),
            sell: fc.boolean(),
            price: fc.integer({ min: 90, max: 130 }),
            qty: fc.integer({ min: 1, max: 4000 }),
            cancel: fc.integer({ min: 0, max: 9 }),
          }),
          { minLength: 1, maxLength: 24 },
        ),
        fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)), { minLength: 60, maxLength: 60 }),
        async (book, chunks) => {
          const f = await loadFixture(deployMarketFixture);
          const { market } = f;
          const people = [...f.renewables, ...f.conventionals, ...f.consumers];
          const { id, gateClosure } = await openInterval(market);
          for (const o of book) {
            const who = people[o.who]!;
            const side = o.sell ? Side.Sell : Side.Buy;
            const orderId = await market
              .connect(who)
              .placeOrder.staticCall(id, side, o.price, o.qty);
            await market.connect(who).placeOrder(id, side, o.price, o.qty);
            if (o.cancel === 0) await market.connect(who).cancelOrder(orderId);
          }
          await time.increaseTo(gateClosure);
          const lists = await clearingLists(market, id);
          const balances = () => Promise.all(people.map((p) => market.balanceOf(p.address)));

          const snapshot = await takeSnapshot();
          const tx = await market.clear(id, lists.renewable, lists.conventional, lists.buys);
          const oneShot = await matchesOf(market, tx.hash);
          const oneShotBalances = await balances();
          const oneShotHash = (await market.clearingState(id)).matchHash;
          await snapshot.restore();

          const chunked: MatchEvent[] = [];
          let done = false;
          for (let round = 0; round < chunks.length && !done; round++) {
            const st = await market.clearingState(id);
            const [a, b, c] = chunks[round]!;
            const slice = (l: bigint[], k: number, n: number) =>
              l.slice(Number(st.seen[k]), Number(st.seen[k]) + n);
            const args = [
              id,
              slice(lists.renewable, 0, a),
              slice(lists.conventional, 1, b),
              slice(lists.buys, 2, c),
            ] as const;
            done = await market.clearChunk.staticCall(...args);
            const r = await market.clearChunk(...args);
            chunked.push(...(await matchesOf(market, r.hash)));
          }
          if (!done) {
            const st = await market.clearingState(id);
            const r = await market.clearChunk(
              id,
              lists.renewable.slice(Number(st.seen[0])),
              lists.conventional.slice(Number(st.seen[1])),
              lists.buys.slice(Number(st.seen[2])),
            );
            chunked.push(...(await matchesOf(market, r.hash)));
          }
          expect(chunked).to.deep.equal(oneShot);
          expect(await balances()).to.deep.equal(oneShotBalances);
          expect((await market.clearingState(id)).matchHash).to.equal(oneShotHash);
          expect((await market.interval(id)).status).to.equal(2n);
          compared += oneShot.length;
        },
      ),
      { seed: 7, numRuns: 8 },
    );
    expect(compared).to.be.greaterThan(5);
  });
});
