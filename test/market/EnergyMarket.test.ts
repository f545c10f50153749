import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  DEPOSIT,
  FEED_IN,
  GRID_BUY,
  IntervalKind,
  Side,
  Status,
  UNIT,
  clearingLists,
  deployMarketFixture,
  matchesOf,
  openInterval,
  packMatches,
  place,
} from "./marketFixtures";
import { signMeterCertificate } from "../../scripts/deploy/meterCertificate";

const buyLock = (bid: bigint, q: bigint) => q * (bid + (bid > FEED_IN ? bid - FEED_IN : 0n));
const sellLock = (ask: bigint, q: bigint) => q * (GRID_BUY > ask ? GRID_BUY - ask : 0n);

/** The worked book: renewable sellers priced above a conventional one still trade first. */
async function workedBookFixture() {
  const f = await deployMarketFixture();
  const { market, renewables, conventionals, consumers } = f;
  const { id, gateClosure, start } = await openInterval(market);
  const R1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 5000n);
  const R2 = await place(market, id, renewables[1]!, Side.Sell, 150n, 3000n);
  const C1 = await place(market, id, conventionals[0]!, Side.Sell, 90n, 4000n);
  const C2 = await place(market, id, conventionals[1]!, Side.Sell, 200n, 2000n);
  const B1 = await place(market, id, consumers[0]!, Side.Buy, 250n, 4000n);
  const B2 = await place(market, id, consumers[1]!, Side.Buy, 180n, 3000n);
  const B3 = await place(market, id, consumers[2]!, Side.Buy, 120n, 2000n);
  return { ...f, id, gateClosure, start, R1, R2, C1, C2, B1, B2, B3 };
}

async function clearedWorkedBookFixture() {
  const f = await workedBookFixture();
  await time.increaseTo(f.gateClosure);
  const tx = await f.market.clear(
    f.id,
    [f.R1.id, f.R2.id],
    [f.C1.id, f.C2.id],
    [f.B1.id, f.B2.id, f.B3.id],
  );
  const matches = await matchesOf(f.market, tx.hash);
  return { ...f, matches };
}

async function totalMilli(f: Awaited<ReturnType<typeof deployMarketFixture>>) {
  let available = 0n;
  let locked = 0n;
  for (const s of [...f.renewables, ...f.conventionals, ...f.consumers]) {
    const [a, l] = await f.market.balanceOf(s.address);
    available += a;
    locked += l;
  }
  return { available, locked };
}

describe("EnergyMarket", () => {
  describe("deployment and money", () => {
    it("reverts with MarketZeroAmount when a constructor address is zero", async () => {
      const factory = await ethers.getContractFactory("EnergyMarket");
      const [op] = await ethers.getSigners();
      await expect(
        factory.deploy(op!.address, ethers.ZeroAddress, op!.address),
      ).to.be.revertedWithCustomError(factory, "MarketZeroAmount");
    });

    it("exposes token, registry and the operator role", async () => {
      const { market, token, registry, operator } = await loadFixture(deployMarketFixture);
      expect(await market.token()).to.equal(await token.getAddress());
      expect(await market.registry()).to.equal(await registry.getAddress());
      expect(await market.hasRole(await market.OPERATOR_ROLE(), operator.address)).to.equal(true);
    });

    it("credits deposits in milli-units and emits Deposited", async () => {
      const { market, token, stranger } = await loadFixture(deployMarketFixture);
      await token.mint(stranger.address, 500n);
      await token.connect(stranger).approve(await market.getAddress(), 500n);
      await expect(market.connect(stranger).deposit(500n))
        .to.emit(market, "Deposited")
        .withArgs(stranger.address, 500n);
      expect(await market.balanceOf(stranger.address)).to.deep.equal([500n * UNIT, 0n]);
    });

    it("deposits with an EIP-2612 permit in one call", async () => {
      const { market, token, stranger } = await loadFixture(deployMarketFixture);
      await token.mint(stranger.address, 700n);
      const deadline = BigInt(await time.latest()) + 600n;
      const { chainId } = await ethers.provider.getNetwork();
      const sig = await stranger.signTypedData(
        {
          name: "GridLedger Token",
          version: "1",
          chainId,
          verifyingContract: await token.getAddress(),
        },
        {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        {
          owner: stranger.address,
          spender: await market.getAddress(),
          value: 700n,
          nonce: 0n,
          deadline,
        },
      );
      const { v, r, s } = ethers.Signature.from(sig);
      await expect(market.connect(stranger).depositWithPermit(700n, deadline, v, r, s))
        .to.emit(market, "Deposited")
        .withArgs(stranger.address, 700n);
      expect((await market.balanceOf(stranger.address))[0]).to.equal(700n * UNIT);
    });

    it("withdraws to the owner and emits Withdrawn", async () => {
      const { market, token, consumers } = await loadFixture(deployMarketFixture);
      const c = consumers[0]!;
      await expect(market.connect(c).withdraw(123n))
        .to.emit(market, "Withdrawn")
        .withArgs(c.address, 123n);
      expect(await token.balanceOf(c.address)).to.equal(123n);
      expect((await market.balanceOf(c.address))[0]).to.equal((DEPOSIT - 123n) * UNIT);
    });

    it("reverts with MarketInsufficientBalance when withdrawing more than available", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const c = consumers[0]!;
      await expect(market.connect(c).withdraw(DEPOSIT + 1n))
        .to.be.revertedWithCustomError(market, "MarketInsufficientBalance")
        .withArgs(c.address, DEPOSIT * UNIT, (DEPOSIT + 1n) * UNIT);
    });

    it("reverts with MarketZeroAmount on zero deposits and withdrawals", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      await expect(market.connect(consumers[0]!).deposit(0n)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
      await expect(market.connect(consumers[0]!).withdraw(0n)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });
  });

  describe("intervals", () => {
    it("opens an interval with the 15-minute, 5 % and 1-hour defaults and emits IntervalOpened", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      await expect(
        market.openInterval(IntervalKind.Intraday, now + 200n, now + 100n, GRID_BUY, FEED_IN),
      )
        .to.emit(market, "IntervalOpened")
        .withArgs(1n, IntervalKind.Intraday, now + 200n, 900n, now + 100n, GRID_BUY, FEED_IN, 500n);
      const iv = await market.interval(1n);
      expect(iv.status).to.equal(Status.Open);
      expect(iv.duration).to.equal(900n);
      expect(iv.meteringWindow).to.equal(3600n);
      expect(iv.bandBps).to.equal(500n);
      expect(iv.kind).to.equal(BigInt(IntervalKind.Intraday));
      expect(await market.intervalCount()).to.equal(1n);
    });

    it("opens an interval with explicit parameters", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      await expect(
        market.openIntervalWithParams(
          IntervalKind.RealTime,
          now + 60n,
          300,
          now + 30n,
          60,
          250n,
          50n,
          1000,
        ),
      )
        .to.emit(market, "IntervalOpened")
        .withArgs(1n, IntervalKind.RealTime, now + 60n, 300n, now + 30n, 250n, 50n, 1000n);
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-operator opens an interval", async () => {
      const { market, stranger } = await loadFixture(deployMarketFixture);
      const role = await market.OPERATOR_ROLE();
      await expect(market.connect(stranger).openInterval(0, 2n ** 39n, 2n ** 38n, 1n, 1n))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
      await expect(
        market.connect(stranger).openIntervalWithParams(0, 2n ** 39n, 1, 2n ** 38n, 1, 1n, 1n, 1),
      )
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
    });

    it("reverts with MarketInvalidIntervalParams naming each inconsistency", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      const cases: [bigint, number, bigint, bigint, bigint, number, number][] = [
        [now + 100n, 900, now, GRID_BUY, FEED_IN, 500, 1],
        [now + 100n, 900, now + 101n, GRID_BUY, FEED_IN, 500, 2],
        [now + 100n, 0, now + 50n, GRID_BUY, FEED_IN, 500, 3],
        [now + 100n, 900, now + 50n, 10n, 11n, 500, 4],
        [now + 100n, 900, now + 50n, GRID_BUY, FEED_IN, 10_001, 5],
      ];
      for (const [start, duration, gate, gridBuy, feedIn, band, reason] of cases) {
        await expect(
          market.openIntervalWithParams(0, start, duration, gate, 3600, gridBuy, feedIn, band),
        )
          .to.be.revertedWithCustomError(market, "MarketInvalidIntervalParams")
          .withArgs(reason);
      }
    });
  });

  describe("orders", () => {
    it("locks bid + max(0, bid − feedIn) per Wh for a buy and emits OrderPlaced", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      const c = consumers[0]!;
      const orderId = (id << 32n) | 1n;
      await expect(market.connect(c).placeOrder(id, Side.Buy, 200n, 1500n))
        .to.emit(market, "OrderPlaced")
        .withArgs(id, orderId, c.address, Side.Buy, false, 200n, 1500n, buyLock(200n, 1500n));
      expect(await market.balanceOf(c.address)).to.deep.equal([
        DEPOSIT * UNIT - buyLock(200n, 1500n),
        buyLock(200n, 1500n),
      ]);
      const o = await market.order(orderId);
      expect([o.owner, o.side, o.renewable, o.cancelled, o.price, o.quantity]).to.deep.equal([
        c.address,
        1n - 1n,
        false,
        false,
        200n,
        1500n,
      ]);
    });

    it("locks only the bid when the bid is below the feed-in price", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      await market.connect(consumers[0]!).placeOrder(id, Side.Buy, 50n, 1000n);
      expect((await market.balanceOf(consumers[0]!.address))[1]).to.equal(50n * 1000n);
    });

    it("locks max(0, gridBuy − ask) per Wh for a sell and takes the renewable flag from the registry", async () => {
      const { market, renewables, conventionals } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      await expect(market.connect(renewables[0]!).placeOrder(id, Side.Sell, 120n, 2000n))
        .to.emit(market, "OrderPlaced")
        .withArgs(
          id,
          (id << 32n) | 1n,
          renewables[0]!.address,
          Side.Sell,
          true,
          120n,
          2000n,
          sellLock(120n, 2000n),
        );
      await expect(market.connect(conventionals[0]!).placeOrder(id, Side.Sell, 400n, 2000n))
        .to.emit(market, "OrderPlaced")
        .withArgs(
          id,
          (id << 32n) | 2n,
          conventionals[0]!.address,
          Side.Sell,
          false,
          400n,
          2000n,
          0n,
        );
      const iv = await market.interval(id);
      expect([iv.renewableSells, iv.conventionalSells, iv.buys]).to.deep.equal([1n, 1n, 0n]);
    });

    it("reverts with MarketUnknownInterval for an interval that was never opened", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      await expect(market.connect(consumers[0]!).placeOrder(9n, Side.Buy, 1n, 1n))
        .to.be.revertedWithCustomError(market, "MarketUnknownInterval")
        .withArgs(9n);
    });

    it("reverts with MarketGateClosed when an order arrives after gate closure", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      await time.increaseTo(gateClosure);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Buy, 1n, 1n))
        .to.be.revertedWithCustomError(market, "MarketGateClosed")
        .withArgs(id, gateClosure);
    });

    it("reverts with MarketGateClosed when the interval is already cleared", async () => {
      const { market, consumers, id, gateClosure } = await loadFixture(clearedWorkedBookFixture);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Buy, 1n, 1n))
        .to.be.revertedWithCustomError(market, "MarketGateClosed")
        .withArgs(id, gateClosure);
    });

    it("reverts with MarketInvalidOrder for a zero price or quantity", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Buy, 0n, 5n))
        .to.be.revertedWithCustomError(market, "MarketInvalidOrder")
        .withArgs(0n, 5n);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Sell, 5n, 0n))
        .to.be.revertedWithCustomError(market, "MarketInvalidOrder")
        .withArgs(5n, 0n);
    });

    it("reverts with MarketNotApproved when the caller is not an approved participant", async () => {
      const { market, stranger } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      await expect(market.connect(stranger).placeOrder(id, Side.Buy, 10n, 10n))
        .to.be.revertedWithCustomError(market, "MarketNotApproved")
        .withArgs(stranger.address);
    });

    it("reverts with MarketInsufficientBalance when the worst case exceeds the available balance", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      const q = 10_000_000_000n;
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Buy, 300n, q))
        .to.be.revertedWithCustomError(market, "MarketInsufficientBalance")
        .withArgs(consumers[0]!.address, DEPOSIT * UNIT, buyLock(300n, q));
    });

    it("cancels an own order before gate closure, releases the lock and emits OrderCancelled", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id } = await openInterval(market);
      const o = await place(market, id, consumers[0]!, Side.Buy, 200n, 1500n);
      await expect(market.connect(consumers[0]!).cancelOrder(o.id))
        .to.emit(market, "OrderCancelled")
        .withArgs(id, o.id, buyLock(200n, 1500n));
      expect(await market.balanceOf(consumers[0]!.address)).to.deep.equal([DEPOSIT * UNIT, 0n]);
      expect((await market.order(o.id)).cancelled).to.equal(true);
    });

    it("reverts cancellations with MarketUnknownOrder, MarketNotOrderOwner, MarketOrderAlreadyCancelled and MarketGateClosed", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      const o = await place(market, id, consumers[0]!, Side.Buy, 200n, 1500n);
      const o2 = await place(market, id, consumers[0]!, Side.Buy, 200n, 1500n);
      await expect(market.cancelOrder(o.id + 100n))
        .to.be.revertedWithCustomError(market, "MarketUnknownOrder")
        .withArgs(o.id + 100n);
      await expect(market.order(o.id + 100n))
        .to.be.revertedWithCustomError(market, "MarketUnknownOrder")
        .withArgs(o.id + 100n);
      await expect(market.connect(consumers[1]!).cancelOrder(o.id))
        .to.be.revertedWithCustomError(market, "MarketNotOrderOwner")
        .withArgs(o.id, consumers[1]!.address);
      await market.connect(consumers[0]!).cancelOrder(o.id);
      await expect(market.connect(consumers[0]!).cancelOrder(o.id))
        .to.be.revertedWithCustomError(market, "MarketOrderAlreadyCancelled")
        .withArgs(o.id);
      await time.increaseTo(gateClosure);
      await expect(market.connect(consumers[0]!).cancelOrder(o2.id))
        .to.be.revertedWithCustomError(market, "MarketGateClosed")
        .withArgs(id, gateClosure);
    });
  });

  describe("clearing", () => {
    it("matches the worked book with renewable priority, partial fills and midpoint prices", async () => {
      const { matches, R1, R2, C1, B1, B2, B3 } = await loadFixture(clearedWorkedBookFixture);
      // R1 100 vs B1 250: 4000 Wh @ 175; R1 vs B2 180: 1000 @ 140; R2 150 vs B2: 2000 @ 165;
      // R2 150 > B3 120: renewables stop, conventional C1 90 vs B3: 2000 @ 105; buys exhausted.
      expect(matches).to.deep.equal([
        { sell: R1.id, buy: B1.id, quantity: 4000n, price: 175n },
        { sell: R1.id, buy: B2.id, quantity: 1000n, price: 140n },
        { sell: R2.id, buy: B2.id, quantity: 2000n, price: 165n },
        { sell: C1.id, buy: B3.id, quantity: 2000n, price: 105n },
      ]);
    });

    it("releases every unmatched remainder at clearing and keeps exactly the matched worst case locked", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, R1, R2, C1, C2, B1, B2, B3 } = f;
      const expectLocked = async (o: typeof R1, lock: bigint) =>
        expect((await market.balanceOf(o.owner.address))[1]).to.equal(lock);
      await expectLocked(R1, sellLock(100n, 5000n));
      await expectLocked(R2, sellLock(150n, 2000n));
      await expectLocked(C1, sellLock(90n, 2000n));
      await expectLocked(C2, 0n);
      await expectLocked(B1, buyLock(250n, 4000n));
      await expectLocked(B2, buyLock(180n, 3000n));
      await expectLocked(B3, buyLock(120n, 2000n));
      const t = await totalMilli(f);
      expect(t.available + t.locked).to.equal(
        (await f.token.balanceOf(await market.getAddress())) * UNIT,
      );
    });

    it("emits RemainderReleased for partial and unmatched orders and IntervalCleared with the match hash", async () => {
      const f = await loadFixture(workedBookFixture);
      await time.increaseTo(f.gateClosure);
      const tx = f.market.clear(
        f.id,
        [f.R1.id, f.R2.id],
        [f.C1.id, f.C2.id],
        [f.B1.id, f.B2.id, f.B3.id],
      );
      await expect(tx)
        .to.emit(f.market, "RemainderReleased")
        .withArgs(f.id, f.R2.id, 1000n, sellLock(150n, 1000n))
        .and.to.emit(f.market, "RemainderReleased")
        .withArgs(f.id, f.C1.id, 2000n, sellLock(90n, 2000n))
        .and.to.emit(f.market, "RemainderReleased")
        .withArgs(f.id, f.C2.id, 2000n, sellLock(200n, 2000n))
        .and.to.emit(f.market, "IntervalCleared")
        .withArgs(f.id, 4n, anyValue)
        .and.to.emit(f.market, "Matched")
        .withArgs(f.id, f.R1.id, f.B1.id, 4000n, 175n);
      const iv = await f.market.interval(f.id);
      expect(iv.status).to.equal(Status.Cleared);
      const st = await f.market.clearingState(f.id);
      expect(st.phase).to.equal(4n);
      expect(st.seen).to.deep.equal([2n, 2n, 3n]);
      let h = ethers.ZeroHash;
      for (const m of packMatches(await matchesOf(f.market, (await tx).hash))) {
        h = ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [h, m]),
        );
      }
      expect(st.matchHash).to.equal(h);
    });

    it("continues with conventional sellers once the renewables are exhausted", async () => {
      const { market, renewables, conventionals, consumers } =
        await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      const r = await place(market, id, renewables[0]!, Side.Sell, 100n, 1000n);
      const c = await place(market, id, conventionals[0]!, Side.Sell, 110n, 1000n);
      const b = await place(market, id, consumers[0]!, Side.Buy, 200n, 3000n);
      await time.increaseTo(gateClosure);
      const tx = await market.clear(id, [r.id], [c.id], [b.id]);
      expect(await matchesOf(market, tx.hash)).to.deep.equal([
        { sell: r.id, buy: b.id, quantity: 1000n, price: 150n },
        { sell: c.id, buy: b.id, quantity: 1000n, price: 155n },
      ]);
    });

    it("ends the walk when a conventional ask is above the current bid and rounds odd midpoints down", async () => {
      const { market, conventionals, consumers } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      const c1 = await place(market, id, conventionals[0]!, Side.Sell, 101n, 1000n);
      const c2 = await place(market, id, conventionals[1]!, Side.Sell, 150n, 1000n);
      const b1 = await place(market, id, consumers[0]!, Side.Buy, 200n, 1000n);
      const b2 = await place(market, id, consumers[1]!, Side.Buy, 149n, 1000n);
      await time.increaseTo(gateClosure);
      const tx = await market.clear(id, [], [c1.id, c2.id], [b1.id, b2.id]);
      expect(await matchesOf(market, tx.hash)).to.deep.equal([
        { sell: c1.id, buy: b1.id, quantity: 1000n, price: 150n },
      ]);
    });

    it("breaks price ties by the earlier order on both sides", async () => {
      const { market, renewables, consumers } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      const s1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 600n);
      const s2 = await place(market, id, renewables[1]!, Side.Sell, 100n, 600n);
      const b1 = await place(market, id, consumers[0]!, Side.Buy, 200n, 500n);
      const b2 = await place(market, id, consumers[1]!, Side.Buy, 200n, 500n);
      await time.increaseTo(gateClosure);
      await expect(market.clear(id, [s2.id, s1.id], [], [b1.id, b2.id]))
        .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
        .withArgs(0, 1n, s1.id);
      await expect(market.clear(id, [s1.id, s2.id], [], [b2.id, b1.id]))
        .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
        .withArgs(2, 1n, b1.id);
      const tx = await market.clear(id, [s1.id, s2.id], [], [b1.id, b2.id]);
      expect(await matchesOf(market, tx.hash)).to.deep.equal([
        { sell: s1.id, buy: b1.id, quantity: 500n, price: 150n },
        { sell: s1.id, buy: b2.id, quantity: 100n, price: 150n },
        { sell: s2.id, buy: b2.id, quantity: 400n, price: 150n },
      ]);
    });

    it("skips cancelled orders, which must still appear in the lists", async () => {
      const { market, renewables, consumers } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      const s1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 600n);
      const s2 = await place(market, id, renewables[1]!, Side.Sell, 120n, 600n);
      const b1 = await place(market, id, consumers[0]!, Side.Buy, 200n, 500n);
      await market.connect(renewables[0]!).cancelOrder(s1.id);
      await time.increaseTo(gateClosure);
      await expect(market.clear(id, [s2.id], [], [b1.id]))
        .to.be.revertedWithCustomError(market, "MarketIncompleteLists")
        .withArgs(id, 2n, 3n);
      const tx = await market.clear(id, [s1.id, s2.id], [], [b1.id]);
      expect(await matchesOf(market, tx.hash)).to.deep.equal([
        { sell: s2.id, buy: b1.id, quantity: 500n, price: 160n },
      ]);
    });

    it("reverts with MarketOrderNotInList for an id of the wrong class, interval or no order", async () => {
      const f = await loadFixture(workedBookFixture);
      const { market, id, R1, R2, C1, C2, B1, B2, B3 } = f;
      await time.increaseTo(f.gateClosure);
      const buys = [B1.id, B2.id, B3.id];
      await expect(market.clear(id, [R1.id, C1.id], [C2.id], buys))
        .to.be.revertedWithCustomError(market, "MarketOrderNotInList")
        .withArgs(0, 1n, C1.id);
      await expect(market.clear(id, [R1.id, R2.id], [R1.id], buys))
        .to.be.revertedWithCustomError(market, "MarketOrderNotInList")
        .withArgs(1, 0n, R1.id);
      await expect(market.clear(id, [R1.id, R2.id], [C1.id, C2.id], [R1.id]))
        .to.be.revertedWithCustomError(market, "MarketOrderNotInList")
        .withArgs(2, 0n, R1.id);
      const foreign = ((id + 1n) << 32n) | 1n;
      await expect(market.clear(id, [foreign], [], []))
        .to.be.revertedWithCustomError(market, "MarketOrderNotInList")
        .withArgs(0, 0n, foreign);
      await expect(market.clear(id, [(id << 32n) | 99n], [], []))
        .to.be.revertedWithCustomError(market, "MarketOrderNotInList")
        .withArgs(0, 0n, (id << 32n) | 99n);
      await expect(market.clear(id, [R1.id, R2.id], [C1.id, C2.id], [B1.id, B3.id, B2.id]))
        .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
        .withArgs(2, 2n, B2.id);
    });

    it("reverts with MarketOrderOutOfSequence for a duplicate id", async () => {
      const f = await loadFixture(workedBookFixture);
      await time.increaseTo(f.gateClosure);
      await expect(f.market.clear(f.id, [f.R1.id, f.R1.id], [], [f.B1.id, f.B2.id, f.B3.id]))
        .to.be.revertedWithCustomError(f.market, "MarketOrderOutOfSequence")
        .withArgs(0, 1n, f.R1.id);
    });

    it("reverts with MarketListTooLong, MarketIncompleteLists, MarketGateOpen, MarketUnknownInterval and MarketAlreadyCleared", async () => {
      const f = await loadFixture(workedBookFixture);
      const { market, id, R1, R2, C1, C2, B1, B2, B3 } = f;
      await expect(market.clear(id, [], [], []))
        .to.be.revertedWithCustomError(market, "MarketGateOpen")
        .withArgs(id, f.gateClosure);
      await time.increaseTo(f.gateClosure);
      await expect(market.clear(99n, [], [], []))
        .to.be.revertedWithCustomError(market, "MarketUnknownInterval")
        .withArgs(99n);
      await expect(market.clear(id, [R1.id, R2.id], [C1.id, C2.id], [B1.id, B2.id]))
        .to.be.revertedWithCustomError(market, "MarketIncompleteLists")
        .withArgs(id, 4n, 7n);
      await expect(market.clear(id, [R1.id, R2.id, C1.id], [C1.id, C2.id], [B1.id, B2.id, B3.id]))
        .to.be.revertedWithCustomError(market, "MarketListTooLong")
        .withArgs(0, 2n);
      await market.clear(id, [R1.id, R2.id], [C1.id, C2.id], [B1.id, B2.id, B3.id]);
      await expect(market.clear(id, [], [], []))
        .to.be.revertedWithCustomError(market, "MarketAlreadyCleared")
        .withArgs(id);
    });

    it("clears across several transactions with the same result as one transaction", async () => {
      const f = await loadFixture(workedBookFixture);
      const { market, id } = f;
      await time.increaseTo(f.gateClosure);
      const lists = await clearingLists(market, id);
      const all: Awaited<ReturnType<typeof matchesOf>> = [];
      let done = false;
      for (let round = 0; round < 20 && !done; round++) {
        const st = await market.clearingState(id);
        const next = (l: bigint[], k: number) =>
          l.slice(Number(st.seen[k]), Number(st.seen[k]) + 1);
        const args = [
          id,
          next(lists.renewable, 0),
          next(lists.conventional, 1),
          next(lists.buys, 2),
        ] as const;
        done = await market.clearChunk.staticCall(...args);
        const tx = await market.clearChunk(...args);
        all.push(...(await matchesOf(market, tx.hash)));
      }
      expect(done).to.equal(true);
      expect(all).to.deep.equal([
        { sell: f.R1.id, buy: f.B1.id, quantity: 4000n, price: 175n },
        { sell: f.R1.id, buy: f.B2.id, quantity: 1000n, price: 140n },
        { sell: f.R2.id, buy: f.B2.id, quantity: 2000n, price: 165n },
        { sell: f.C1.id, buy: f.B3.id, quantity: 2000n, price: 105n },
      ]);
      expect((await market.interval(id)).status).to.equal(Status.Cleared);
    });
  });

  describe("metering and settlement", () => {
    async function boundMeterFixture() {
      const f = await clearedWorkedBookFixture();
      const expiry = BigInt(await time.latest()) + 100_000n;
      const { chainId } = await ethers.provider.getNetwork();
      const seller = f.R1.owner;
      const sig = await signMeterCertificate(f.operator, chainId, await f.registry.getAddress(), {
        meter: f.meter.address,
        participant: seller.address,
        expiry,
        nonce: 1n,
      });
      await f.registry.bindMeter(f.meter.address, seller.address, expiry, 1n, sig);
      return f;
    }

    it("accepts a reading from the bound meter and from the operator and emits MeterReported", async () => {
      const f = await loadFixture(boundMeterFixture);
      await time.increaseTo(f.start + 900n);
      await expect(f.market.connect(f.meter).reportMeter(f.id, f.R1.owner.address, 2500n, 0n))
        .to.emit(f.market, "MeterReported")
        .withArgs(f.id, f.R1.owner.address, f.meter.address, 2500n, 0n);
      await expect(f.market.reportMeter(f.id, f.B1.owner.address, 0n, 4000n))
        .to.emit(f.market, "MeterReported")
        .withArgs(f.id, f.B1.owner.address, f.operator.address, 0n, 4000n);
      const p = await f.market.position(f.id, f.R1.owner.address);
      expect([p.produced, p.consumed, p.reported]).to.deep.equal([2500n, 0n, true]);
    });

    it("reverts readings with MarketNotDelivered, MarketUnknownMeter, MarketAlreadyReported and MarketUnknownInterval", async () => {
      const f = await loadFixture(boundMeterFixture);
      await expect(f.market.reportMeter(f.id, f.R1.owner.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.market, "MarketNotDelivered")
        .withArgs(f.id, f.start + 900n);
      await time.increaseTo(f.start + 900n);
      await expect(f.market.connect(f.meter).reportMeter(f.id, f.R2.owner.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.market, "MarketUnknownMeter")
        .withArgs(f.meter.address, f.R2.owner.address);
      await expect(f.market.connect(f.stranger).reportMeter(f.id, f.stranger.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.market, "MarketUnknownMeter")
        .withArgs(f.stranger.address, f.stranger.address);
      await f.market.connect(f.meter).reportMeter(f.id, f.R1.owner.address, 1n, 0n);
      await expect(f.market.reportMeter(f.id, f.R1.owner.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.market, "MarketAlreadyReported")
        .withArgs(f.id, f.R1.owner.address);
      await expect(f.market.reportMeter(77n, f.R1.owner.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.market, "MarketUnknownInterval")
        .withArgs(77n);
    });

    it("settles with make-whole compensation, the band and pro-rata shares, conserving every milli-unit", async () => {
      const f = await loadFixture(boundMeterFixture);
      const { market, id, R1, R2, C1, B1, B2, B3 } = f;
      await time.increaseTo(f.start + 900n);
      // R1 sold 5000 (4000 @175 to B1, 1000 @140 to B2) and produced 2500: deficit 0.95·5000 − 2500 = 2250 Wh,
      // shared pro rata: 1800 Wh on the B1 match, 450 Wh on the B2 match.
      await market.connect(f.meter).reportMeter(id, R1.owner.address, 2500n, 0n);
      // R2 sold 2000 and produced 1950: inside the 5 % band, nothing owed.
      await market.reportMeter(id, R2.owner.address, 1950n, 0n);
      // C1 sold 2000 and is not reported: counts as 0 produced, deficit 1900 Wh.
      await market.reportMeter(id, B1.owner.address, 0n, 4000n);
      // B2 bought 3000 and consumed 1000: surplus 0.95·3000 − 1000 = 1850 Wh, pro rata 1000:2000.
      await market.reportMeter(id, B2.owner.address, 0n, 1000n);
      await market.reportMeter(id, B3.owner.address, 0n, 2000n);
      const before = await totalMilli(f);
      const balances = async () =>
        Promise.all(
          [R1, R2, C1, B1, B2, B3].map(async (o) => (await market.balanceOf(o.owner.address))[0]),
        );
      const avail0 = await balances();
      await expect(market.settle(id, packMatches(f.matches)))
        .to.be.revertedWithCustomError(market, "MarketMeteringOpen")
        .withArgs(id, f.start + 900n + 3600n);
      await time.increaseTo(f.start + 900n + 3600n);
      const tx = market.settle(id, packMatches(f.matches));
      // (R1,B1): value 175·4000 = 700000; seller comp (300−175)·1800 = 225000.
      // (R1,B2): value 140·1000 = 140000; seller comp (300−140)·450 = 72000; buyer comp (140−80)·1850/3 floor.
      // (R2,B2): value 165·2000 = 330000; buyer comp floor((165−80)·2000·18500000/(3000·10000)).
      // (C1,B3): value 105·2000 = 210000; seller comp (300−105)·1900 = 370500.
      const bc1 = (60n * 1000n * 18_500_000n) / (3000n * 10_000n);
      const bc2 = (85n * 2000n * 18_500_000n) / (3000n * 10_000n);
      await expect(tx)
        .to.emit(market, "MatchSettled")
        .withArgs(id, R1.id, B1.id, 700_000n, 225_000n, 0n)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, R1.id, B2.id, 140_000n, 72_000n, bc1)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, R2.id, B2.id, 330_000n, 0n, bc2)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, C1.id, B3.id, 210_000n, 370_500n, 0n)
        .and.to.emit(market, "IntervalSettled")
        .withArgs(id);
      const avail1 = await balances();
      const delta = avail1.map((a, i) => a - avail0[i]!);
      expect(delta).to.deep.equal([
        sellLock(100n, 5000n) + 700_000n + 140_000n - 225_000n - 72_000n + bc1,
        sellLock(150n, 2000n) + 330_000n + bc2,
        sellLock(90n, 2000n) + 210_000n - 370_500n,
        buyLock(250n, 4000n) - 700_000n + 225_000n,
        buyLock(180n, 3000n) - 140_000n - 330_000n + 72_000n - bc1 - bc2,
        buyLock(120n, 2000n) - 210_000n + 370_500n,
      ]);
      const after = await totalMilli(f);
      expect(after.locked).to.equal(0n);
      expect(after.available).to.equal(before.available + before.locked);
      expect(after.available).to.equal((await f.token.balanceOf(await market.getAddress())) * UNIT);
      const p = await market.position(id, R1.owner.address);
      expect([p.sold, p.bought]).to.deep.equal([5000n, 0n]);
      expect((await market.interval(id)).status).to.equal(Status.Settled);
    });

    it("reverts settlement with MarketMatchListMismatch, MarketNotCleared, MarketAlreadySettled and MarketUnknownInterval", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, id } = f;
      await time.increaseTo(f.start + 900n + 3600n);
      const packed = packMatches(f.matches);
      await expect(market.settle(id, packed.slice(1)))
        .to.be.revertedWithCustomError(market, "MarketMatchListMismatch")
        .withArgs(id, 3n, 4n);
      const tampered = [...packed];
      tampered[0] = tampered[0]! + (1n << 104n); // raise the first trade price by 1
      await expect(market.settle(id, tampered))
        .to.be.revertedWithCustomError(market, "MarketMatchListMismatch")
        .withArgs(id, 4n, 4n);
      await expect(market.settle(99n, []))
        .to.be.revertedWithCustomError(market, "MarketUnknownInterval")
        .withArgs(99n);
      const { id: openId } = await openInterval(market);
      await expect(market.settle(openId, []))
        .to.be.revertedWithCustomError(market, "MarketNotCleared")
        .withArgs(openId);
      await market.settle(id, packed);
      await expect(market.settle(id, packed))
        .to.be.revertedWithCustomError(market, "MarketAlreadySettled")
        .withArgs(id);
      await expect(market.reportMeter(id, f.R1.owner.address, 1n, 1n))
        .to.be.revertedWithCustomError(market, "MarketAlreadySettled")
        .withArgs(id);
    });
  });
});

describe("EnergyMarket settlement in chunks", () => {
  /** One renewable seller against 300 buys: 300 matches, more than one 256-match checkpoint. */
  async function manyMatchesFixture() {
    const f = await deployMarketFixture();
    const { market, renewables, consumers } = f;
    const { id, gateClosure, start } = await openInterval(market);
    await place(market, id, renewables[0]!, Side.Sell, 100n, 300_000n);
    for (let i = 0; i < 300; i++) {
      await market
        .connect(consumers[i % consumers.length]!)
        .placeOrder(id, Side.Buy, 200n + BigInt(i % 7), 1000n);
    }
    await time.increaseTo(gateClosure);
    const lists = await clearingLists(market, id);
    const tx = await market.clear(id, lists.renewable, lists.conventional, lists.buys);
    const matches = packMatches(await matchesOf(market, tx.hash));
    await time.increaseTo(start + 900n);
    await market.reportMeter(id, renewables[0]!.address, 200_000n, 0n);
    await market.reportMeter(id, consumers[0]!.address, 0n, 10_000n);
    await time.increaseTo(start + 900n + 3600n);
    return { ...f, id, matches };
  }

  async function balancesOf(f: Awaited<ReturnType<typeof manyMatchesFixture>>) {
    return Promise.all(
      [f.renewables[0]!, ...f.consumers].map((s) => f.market.balanceOf(s.address)),
    );
  }

  it("settles 300 matches in checkpoint-aligned chunks exactly as in one transaction", async () => {
    const f = await loadFixture(manyMatchesFixture);
    expect(f.matches).to.have.length(300);
    await f.market.settle(f.id, f.matches);
    const oneShot = await balancesOf(f);

    const g = await loadFixture(manyMatchesFixture);
    const { market, id, matches } = g;
    await expect(market.settleChunk(id, matches.slice(0, 100)))
      .to.be.revertedWithCustomError(market, "MarketSettlementChunkMisaligned")
      .withArgs(id, 0n, 100n);
    const tampered = matches.slice(0, 256);
    tampered[5] = tampered[5]! + (1n << 64n);
    await expect(market.settleChunk(id, tampered))
      .to.be.revertedWithCustomError(market, "MarketMatchListMismatch")
      .withArgs(id, 256n, 300n);
    expect(await market.settleChunk.staticCall(id, matches.slice(0, 256))).to.equal(false);
    await market.settleChunk(id, matches.slice(0, 256));
    await market.settleChunk(id, matches.slice(256));
    let st = await market.clearingState(id);
    expect([st.settleStage, st.settleCursor]).to.deep.equal([1n, 0n]);
    await expect(market.settle(id, matches))
      .to.be.revertedWithCustomError(market, "MarketMatchListMismatch")
      .withArgs(id, 300n, 300n);
    await market.settleChunk(id, matches.slice(0, 256));
    st = await market.clearingState(id);
    expect([st.settleStage, st.settleCursor]).to.deep.equal([1n, 256n]);
    await expect(market.settleChunk(id, matches.slice(256)))
      .to.emit(market, "IntervalSettled")
      .withArgs(id);
    expect(await balancesOf(g)).to.deep.equal(oneShot);
    expect((await market.interval(id)).status).to.equal(Status.Settled);
  });

  it("reverts with MarketMeteringClosed for a reading after the metering window", async () => {
    const f = await loadFixture(manyMatchesFixture);
    await expect(f.market.reportMeter(f.id, f.conventionals[0]!.address, 1n, 1n))
      .to.be.revertedWithCustomError(f.market, "MarketMeteringClosed")
      .withArgs(f.id, (await f.market.interval(f.id)).start + 900n + 3600n);
  });
});
