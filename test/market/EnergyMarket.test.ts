import { expect } from "chai";
import { ethers } from "hardhat";
import { deployProxied } from "../../scripts/deploy/proxy";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  BOND_RATE,
  DEPOSIT,
  DURATION,
  FEED_IN,
  GRID_BUY,
  IntervalKind,
  METERING_WINDOW,
  Side,
  Status,
  UNIT,
  clearingLists,
  deployMarketFixture,
  matchesOf,
  openInterval,
  openIntervalFor,
  openPeriod,
  packMatches,
  place,
  recordsOf,
} from "./marketFixtures";
import { TestMeteringHead, type ProvenBatch } from "../helpers/provenReadings";
import { protocol } from "../helpers/protocol";

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const buyLock = (bid: bigint, q: bigint) => q * max(bid, BOND_RATE);
const sellLock = (ask: bigint, q: bigint) =>
  q * max(GRID_BUY > ask ? GRID_BUY - ask : 0n, BOND_RATE);
const UNMATCHED = protocol.constants.PackedOrder.UNMATCHED_FLAG;
const M32 = 0xffffffffn;
const unmatched = (orderId: bigint, q: bigint) => (orderId & M32) | (q << 64n) | UNMATCHED;

/** The worked book: renewable sellers priced above a conventional one still trade first. */
async function workedBookFixture() {
  const f = await deployMarketFixture();
  const { market, renewables, conventionals, consumers } = f;
  const { id, periodId, gateClosure, start, settleAfter } = await openInterval(market);
  const R1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 5000n);
  const R2 = await place(market, id, renewables[1]!, Side.Sell, 150n, 3000n);
  const C1 = await place(market, id, conventionals[0]!, Side.Sell, 90n, 4000n);
  const C2 = await place(market, id, conventionals[1]!, Side.Sell, 200n, 2000n);
  const B1 = await place(market, id, consumers[0]!, Side.Buy, 250n, 4000n);
  const B2 = await place(market, id, consumers[1]!, Side.Buy, 180n, 3000n);
  const B3 = await place(market, id, consumers[2]!, Side.Buy, 120n, 2000n);
  return { ...f, id, periodId, gateClosure, start, settleAfter, R1, R2, C1, C2, B1, B2, B3 };
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
  const records = await recordsOf(f.market, [tx.hash]);
  return { ...f, matches, records };
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
        factory.deploy(ethers.ZeroAddress, op!.address, op!.address),
      ).to.be.revertedWithCustomError(factory, "MarketZeroAmount");
      await expect(
        factory.deploy(op!.address, op!.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(factory, "MarketZeroAmount");
      await expect(
        deployProxied(
          ethers,
          "EnergyMarket",
          [op!.address, op!.address, op!.address],
          [ethers.ZeroAddress],
        ),
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

  describe("hostile tokens", () => {
    async function hostileFixture(kind: "fee" | "callback") {
      const f = await deployMarketFixture();
      const token =
        kind === "fee"
          ? await ethers.deployContract("FeeOnTransferToken", [100n]) // 1 % fee
          : await ethers.deployContract("CallbackToken");
      const market = await deployProxied(
        ethers,
        "EnergyMarket",
        [await token.getAddress(), await f.registry.getAddress(), await f.ledger.getAddress()],
        [f.operator.address],
      );
      return { ...f, hostile: token, hostileMarket: market };
    }

    it("credits what a fee-on-transfer token delivered, so the market stays solvent", async () => {
      const { hostile, hostileMarket, stranger } = await hostileFixture("fee");
      await hostile.mint(stranger.address, 10_000n);
      await hostile.connect(stranger).approve(await hostileMarket.getAddress(), 10_000n);
      await expect(hostileMarket.connect(stranger).deposit(10_000n))
        .to.emit(hostileMarket, "Deposited")
        .withArgs(stranger.address, 9_900n);
      expect(await hostileMarket.balanceOf(stranger.address)).to.deep.equal([9_900n * UNIT, 0n]);
      expect(await hostile.balanceOf(await hostileMarket.getAddress())).to.equal(9_900n);
      await expect(hostileMarket.connect(stranger).withdraw(9_901n)).to.be.revertedWithCustomError(
        hostileMarket,
        "MarketInsufficientBalance",
      );
      await hostileMarket.connect(stranger).withdraw(9_900n);
      expect(await hostile.balanceOf(await hostileMarket.getAddress())).to.equal(0n);
    });

    it("refuses a deposit nested in a token callback and gains a re-entering withdrawer nothing", async () => {
      const { hostile, hostileMarket } = await hostileFixture("callback");
      const attacker = await ethers.deployContract("ReentrantTrader", [
        await hostileMarket.getAddress(),
        await hostile.getAddress(),
      ]);
      await hostile.mint(await attacker.getAddress(), 1_000n);
      await expect(attacker.attackDeposit(500n, 100n)).to.be.revertedWithCustomError(
        hostileMarket,
        "ReentrancyGuardReentrantCall",
      );
      expect(await hostileMarket.balanceOf(await attacker.getAddress())).to.deep.equal([0n, 0n]);
      await attacker.attackDeposit(500n, 0n);
      await expect(attacker.attackWithdraw(500n, 500n)).to.be.revertedWithCustomError(
        hostileMarket,
        "ReentrancyGuardReentrantCall",
      );
      expect((await hostileMarket.balanceOf(await attacker.getAddress()))[0]).to.equal(500n * UNIT);
      expect(await hostile.balanceOf(await hostileMarket.getAddress())).to.equal(500n);
    });
  });

  describe("periods and intervals", () => {
    it("opens a period and intervals trading it, and emits PeriodOpened and IntervalOpened", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      await expect(market.openPeriod(now + 7200n, 900, 3600, GRID_BUY, FEED_IN, 500, 7n, 100))
        .to.emit(market, "PeriodOpened")
        .withArgs(1n, now + 7200n, 900n, 3600n, GRID_BUY, FEED_IN, 500n, 7n, 100n);
      await expect(market.openInterval(1n, IntervalKind.DayAhead, now + 3600n))
        .to.emit(market, "IntervalOpened")
        .withArgs(1n, 1n, IntervalKind.DayAhead, now + 3600n);
      await market.openInterval(1n, IntervalKind.Intraday, now + 7000n);
      const iv = await market.interval(2n);
      expect([iv.status, iv.kind, iv.periodId, iv.start, iv.duration]).to.deep.equal([
        Status.Open,
        BigInt(IntervalKind.Intraday),
        1n,
        now + 7200n,
        900n,
      ]);
      expect([iv.gridBuyPrice, iv.feedInPrice, iv.bandBps, iv.meteringWindow]).to.deep.equal([
        GRID_BUY,
        FEED_IN,
        500n,
        3600n,
      ]);
      const p = await market.period(1n);
      expect([p.intervals, p.tallied, p.bondRate, p.minQuantity]).to.deep.equal([2n, 0n, 7n, 100n]);
      expect([await market.periodCount(), await market.intervalCount()]).to.deep.equal([1n, 2n]);
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-operator opens a period or interval", async () => {
      const { market, stranger } = await loadFixture(deployMarketFixture);
      const role = await market.OPERATOR_ROLE();
      await expect(market.connect(stranger).openPeriod(2n ** 39n, 900, 60, 1n, 1n, 0, 1n, 1))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
      const { periodId } = await openPeriod(market);
      await expect(market.connect(stranger).openInterval(periodId, 0, 2n ** 38n))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
    });

    it("reverts with MarketInvalidPeriodParams naming each inconsistency", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      const cases: [bigint, number, bigint, bigint, number, bigint, number, number][] = [
        [now, 900, GRID_BUY, FEED_IN, 500, 1n, 1, 1],
        [now + 100n, 0, GRID_BUY, FEED_IN, 500, 1n, 1, 2],
        [now + 100n, 900, 10n, 11n, 500, 1n, 1, 3],
        [now + 100n, 900, GRID_BUY, FEED_IN, 10_001, 1n, 1, 4],
        [now + 100n, 900, GRID_BUY, FEED_IN, 500, 0n, 1, 5],
        [now + 100n, 900, GRID_BUY, FEED_IN, 500, 1n, 0, 6],
      ];
      for (const [start, duration, gridBuy, feedIn, band, bond, minQ, reason] of cases) {
        await expect(market.openPeriod(start, duration, 3600, gridBuy, feedIn, band, bond, minQ))
          .to.be.revertedWithCustomError(market, "MarketInvalidPeriodParams")
          .withArgs(reason);
      }
    });

    it("reverts with MarketInvalidIntervalParams and MarketUnknownPeriod", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const { periodId, start } = await openPeriod(market);
      const now = BigInt(await time.latest());
      await expect(market.openInterval(9n, 0, now + 100n))
        .to.be.revertedWithCustomError(market, "MarketUnknownPeriod")
        .withArgs(9n);
      await expect(market.openInterval(periodId, 0, now))
        .to.be.revertedWithCustomError(market, "MarketInvalidIntervalParams")
        .withArgs(1);
      await expect(market.openInterval(periodId, 0, start + 1n))
        .to.be.revertedWithCustomError(market, "MarketInvalidIntervalParams")
        .withArgs(2);
      for (let i = 0; i < 8; i++) await market.openInterval(periodId, 1, now + 100n + BigInt(i));
      await expect(market.openInterval(periodId, 1, now + 200n))
        .to.be.revertedWithCustomError(market, "MarketInvalidIntervalParams")
        .withArgs(3);
    });
  });

  describe("orders", () => {
    it("locks the bid per Wh for a buy (its most it can pay) and emits OrderPlaced", async () => {
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

    it("locks at least the period's bond per Wh, so no order is free to place", async () => {
      const { market, consumers, conventionals, registry, stranger } =
        await loadFixture(deployMarketFixture);
      const { periodId } = await openPeriod(market, GRID_BUY, FEED_IN, { bondRate: 100n });
      const { id } = await openIntervalFor(market, periodId);
      await market.connect(consumers[0]!).placeOrder(id, Side.Buy, 50n, 1000n);
      expect((await market.balanceOf(consumers[0]!.address))[1]).to.equal(100n * 1000n);
      // An ask above the grid price owes nothing in the worst case, but still locks the bond.
      await market.connect(conventionals[0]!).placeOrder(id, Side.Sell, 400n, 1000n);
      expect((await market.balanceOf(conventionals[0]!.address))[1]).to.equal(100n * 1000n);
      // An approved participant without a deposit cannot place anything.
      await registry
        .connect(stranger)
        .applyAsParticipant(8, false, 1, 2, ethers.ZeroHash.replace(/0$/, "1"), "");
      await registry.approve(
        stranger.address,
        await registry.PROSUMER_ROLE(),
        await registry.applicationHash(stranger.address),
      );
      await expect(market.connect(stranger).placeOrder(id, Side.Sell, 400n, 1n))
        .to.be.revertedWithCustomError(market, "MarketInsufficientBalance")
        .withArgs(stranger.address, 0n, 100n);
    });

    it("reverts with MarketInvalidOrder below the period's minimum quantity", async () => {
      const { market, consumers } = await loadFixture(deployMarketFixture);
      const { periodId } = await openPeriod(market, GRID_BUY, FEED_IN, { minQuantity: 100n });
      const { id } = await openIntervalFor(market, periodId);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Buy, 200n, 99n))
        .to.be.revertedWithCustomError(market, "MarketInvalidOrder")
        .withArgs(200n, 99n, 100n);
      await market.connect(consumers[0]!).placeOrder(id, Side.Buy, 200n, 100n);
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
          sellLock(400n, 2000n),
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
        .withArgs(0n, 5n, 1n);
      await expect(market.connect(consumers[0]!).placeOrder(id, Side.Sell, 5n, 0n))
        .to.be.revertedWithCustomError(market, "MarketInvalidOrder")
        .withArgs(5n, 0n, 1n);
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

    it("moves no balance at clearing; tally releases every unmatched remainder and keeps exactly the matched worst case locked", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, R1, R2, C1, C2, B1, B2, B3 } = f;
      const expectLocked = async (o: typeof R1, lock: bigint) =>
        expect((await market.balanceOf(o.owner.address))[1]).to.equal(lock);
      for (const o of [R1, R2, C1, C2]) await expectLocked(o, sellLock(o.price, o.quantity));
      for (const o of [B1, B2, B3]) await expectLocked(o, buyLock(o.price, o.quantity));
      await expect(market.tally(f.id, f.records))
        .to.emit(market, "RemainderReleased")
        .withArgs(f.id, R2.id, 1000n, sellLock(150n, 1000n))
        .and.to.emit(market, "RemainderReleased")
        .withArgs(f.id, C1.id, 2000n, sellLock(90n, 2000n))
        .and.to.emit(market, "RemainderReleased")
        .withArgs(f.id, C2.id, 2000n, sellLock(200n, 2000n))
        .and.to.emit(market, "IntervalTallied")
        .withArgs(f.id, f.periodId);
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
      const p = await market.position(f.periodId, B2.owner.address);
      expect([p.sold, p.bought]).to.deep.equal([0n, 3000n]);
      await expect(market.tally(f.id, f.records))
        .to.be.revertedWithCustomError(market, "MarketAlreadyTallied")
        .withArgs(f.id);
    });

    it("records matches and unmatched remainders in walk order and emits IntervalCleared with their hash", async () => {
      const f = await loadFixture(workedBookFixture);
      await time.increaseTo(f.gateClosure);
      const tx = f.market.clear(
        f.id,
        [f.R1.id, f.R2.id],
        [f.C1.id, f.C2.id],
        [f.B1.id, f.B2.id, f.B3.id],
      );
      await expect(tx)
        .to.emit(f.market, "Unmatched")
        .withArgs(f.id, f.R2.id, 1000n)
        .and.to.emit(f.market, "Unmatched")
        .withArgs(f.id, f.C1.id, 2000n)
        .and.to.emit(f.market, "Unmatched")
        .withArgs(f.id, f.C2.id, 2000n)
        .and.to.emit(f.market, "IntervalCleared")
        .withArgs(f.id, 7n, anyValue)
        .and.to.emit(f.market, "Matched")
        .withArgs(f.id, f.R1.id, f.B1.id, 4000n, 175n)
        .and.not.to.emit(f.market, "RemainderReleased");
      const records = await recordsOf(f.market, [(await tx).hash]);
      const [m1, m2, m3, m4] = packMatches([
        { sell: f.R1.id, buy: f.B1.id, quantity: 4000n, price: 175n },
        { sell: f.R1.id, buy: f.B2.id, quantity: 1000n, price: 140n },
        { sell: f.R2.id, buy: f.B2.id, quantity: 2000n, price: 165n },
        { sell: f.C1.id, buy: f.B3.id, quantity: 2000n, price: 105n },
      ]);
      // R2's ask 150 is above B3's bid 120: its remainder is recorded and conventionals take over;
      // the buys run out, so C1's remainder and the untouched C2 follow in the tail.
      expect(records).to.deep.equal([
        m1,
        m2,
        m3,
        unmatched(f.R2.id, 1000n),
        m4,
        unmatched(f.C1.id, 2000n),
        unmatched(f.C2.id, 2000n),
      ]);
      expect(await f.market.packUnmatched(f.R2.id, 1000n)).to.equal(unmatched(f.R2.id, 1000n));
      expect(await f.market.packMatch(f.R1.id, f.B1.id, 4000n, 175n)).to.equal(m1);
      const iv = await f.market.interval(f.id);
      expect(iv.status).to.equal(Status.Cleared);
      const st = await f.market.clearingState(f.id);
      expect([st.phase, st.entryCount, st.epoch]).to.deep.equal([4n, 7n, 0n]);
      expect(st.seen).to.deep.equal([2n, 2n, 3n]);
      let h = ethers.ZeroHash;
      for (const r of records) {
        h = ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [h, r]),
        );
      }
      expect(st.entryHash).to.equal(h);
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

  describe("clearing under hostile callers", () => {
    /** Two 10 kWh renewable sells at the same price and one buy for both. */
    async function twoSellsFixture() {
      const f = await deployMarketFixture();
      const { market, renewables, consumers } = f;
      const { id, periodId, gateClosure } = await openInterval(market);
      const o1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 10_000n);
      const o2 = await place(market, id, renewables[1]!, Side.Sell, 100n, 10_000n);
      const b = await place(market, id, consumers[0]!, Side.Buy, 200n, 20_000n);
      await time.increaseTo(gateClosure);
      return { ...f, id, periodId, o1, o2, b };
    }

    it("refuses the order consumed last before a chunk boundary when it is passed again", async () => {
      const { market, id, o1, o2, b } = await loadFixture(twoSellsFixture);
      await market.clearChunk(id, [o1.id], [], [b.id]);
      // The replay the critical bug accepted: [o1] then [o1] instead of [o1, o2].
      await expect(market.clearChunk(id, [o1.id], [], []))
        .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
        .withArgs(0, 1n, o1.id);
      await expect(market.clearChunk(id, [o2.id], [], [])).to.emit(market, "Matched");
      const st = await market.clearingState(id);
      expect(st.seen).to.deep.equal([2n, 0n, 1n]);
    });

    it("lets anyone discard a walk that skipped an order, and then clears exactly the reference walk", async () => {
      const f = await loadFixture(deployMarketFixture);
      const { market, renewables, consumers, stranger } = f;
      const { id, gateClosure } = await openInterval(market);
      const o1 = await place(market, id, renewables[0]!, Side.Sell, 100n, 10_000n);
      const o2 = await place(market, id, renewables[1]!, Side.Sell, 110n, 10_000n);
      const o3 = await place(market, id, renewables[2]!, Side.Sell, 120n, 10_000n);
      const b = await place(market, id, consumers[0]!, Side.Buy, 200n, 30_000n);
      await time.increaseTo(gateClosure);
      // The attacker skips o2: the chunk commits a wrong partial walk but moves no balance.
      const before = await totalMilli(f);
      await market.connect(stranger).clearChunk(id, [o1.id, o3.id], [], [b.id]);
      expect(await totalMilli(f)).to.deep.equal(before);
      await expect(market.clearChunk(id, [o2.id], [], []))
        .to.be.revertedWithCustomError(market, "MarketOrderOutOfSequence")
        .withArgs(0, 2n, o2.id);
      // Naming an order the walk did consume, one it has not reached, or a foreign id proves nothing.
      for (const bad of [o1.id, o3.id, b.id, ((id + 1n) << 32n) | 1n]) {
        await expect(market.restartClearing(id, bad))
          .to.be.revertedWithCustomError(market, "MarketNoOmission")
          .withArgs(id, bad);
      }
      await expect(market.connect(stranger).restartClearing(id, o2.id))
        .to.emit(market, "ClearingRestarted")
        .withArgs(id, 1n, o2.id);
      const st = await market.clearingState(id);
      expect([st.seen, st.entryCount, st.epoch, st.phase]).to.deep.equal([
        [0n, 0n, 0n],
        0n,
        1n,
        0n,
      ]);
      const tx = await market.clear(id, [o1.id, o2.id, o3.id], [], [b.id]);
      expect(await matchesOf(market, tx.hash)).to.deep.equal([
        { sell: o1.id, buy: b.id, quantity: 10_000n, price: 150n },
        { sell: o2.id, buy: b.id, quantity: 10_000n, price: 155n },
        { sell: o3.id, buy: b.id, quantity: 10_000n, price: 160n },
      ]);
      await expect(market.restartClearing(id, o2.id))
        .to.be.revertedWithCustomError(market, "MarketAlreadyCleared")
        .withArgs(id);
    });

    it("reverts restartClearing before gate closure and for unknown intervals", async () => {
      const { market } = await loadFixture(deployMarketFixture);
      const { id, gateClosure } = await openInterval(market);
      await expect(market.restartClearing(id, (id << 32n) | 1n))
        .to.be.revertedWithCustomError(market, "MarketGateOpen")
        .withArgs(id, gateClosure);
      await expect(market.restartClearing(42n, 1n))
        .to.be.revertedWithCustomError(market, "MarketUnknownInterval")
        .withArgs(42n);
    });
  });

  describe("metering and settlement", () => {
    it("accepts proven readings from anyone and emits MeterReported with the meter and the batch", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      await time.increaseTo(f.start + DURATION);
      const b = await f.metering.prove([
        { periodId: f.periodId, participant: f.R1.owner.address, produced: 2500n, consumed: 0n },
        { periodId: f.periodId, participant: f.B1.owner.address, produced: 0n, consumed: 4000n },
      ]);
      const [r1, b1] = b.readings;
      // A stranger (relayer, auditor) may carry the proofs: the reading itself is the meter's word.
      await expect(
        f.market.connect(f.stranger).reportReadings(b.batchId, b.readings, b.signatures, b.proofs),
      )
        .to.emit(f.market, "MeterReported")
        .withArgs(f.periodId, f.R1.owner.address, r1!.meter, b.batchId, 2500n, 0n)
        .and.to.emit(f.market, "MeterReported")
        .withArgs(f.periodId, f.B1.owner.address, b1!.meter, b.batchId, 0n, 4000n);
      const p = await f.market.position(f.periodId, f.R1.owner.address);
      expect([p.produced, p.consumed, p.reported]).to.deep.equal([2500n, 0n, true]);
      expect(await f.market.meteringLedger()).to.equal(await f.ledger.getAddress());
    });

    it("refuses readings that are not the bound meter's own word, and replays, with named errors", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, ledger, metering, periodId: pid } = f;
      const R1 = f.R1.owner.address;
      const R2 = f.R2.owner.address;
      const honest = await metering.prove([
        { periodId: pid, participant: R1, produced: 1n, consumed: 0n },
      ]);
      const submit = (b: ProvenBatch, caller = f.stranger) =>
        market.connect(caller).reportReadings(b.batchId, b.readings, b.signatures, b.proofs);
      await expect(submit(honest))
        .to.be.revertedWithCustomError(market, "MarketNotDelivered")
        .withArgs(pid, f.start + DURATION);
      await time.increaseTo(f.start + DURATION);
      // Omissions: every reading needs its signature and its proof.
      await expect(market.reportReadings(honest.batchId, honest.readings, [], honest.proofs))
        .to.be.revertedWithCustomError(market, "MarketReadingListMismatch")
        .withArgs(1n, 0n, 1n);
      // Forged: R2's device signs a reading that names R1's meter.
      const forged = await metering.prove([
        {
          periodId: pid,
          participant: R1,
          produced: 9n,
          consumed: 0n,
          signer: await metering.deviceFor(R2),
        },
      ]);
      await expect(submit(forged))
        .to.be.revertedWithCustomError(ledger, "MeteringBadSignature")
        .withArgs(forged.readings[0]!.meter, (await metering.deviceFor(R2)).address);
      // R2's own meter reporting for R1: the registry binds it to R2.
      const foreign = await metering.prove([
        {
          periodId: pid,
          participant: R1,
          produced: 9n,
          consumed: 0n,
          meter: await metering.deviceFor(R2),
        },
      ]);
      await expect(submit(foreign))
        .to.be.revertedWithCustomError(ledger, "MeteringMeterNotBound")
        .withArgs((await metering.deviceFor(R2)).address, R1, R2);
      const stray = TestMeteringHead.unboundDevice("stray");
      const unbound = await metering.prove([
        { periodId: pid, participant: R1, produced: 9n, consumed: 0n, meter: stray },
      ]);
      await expect(submit(unbound))
        .to.be.revertedWithCustomError(ledger, "MeteringMeterNotBound")
        .withArgs(stray.address, R1, ethers.ZeroAddress);
      // Altered after anchoring: the leaf is no longer in the batch.
      const altered = { ...honest, readings: [{ ...honest.readings[0]!, producedWh: 5000n }] };
      await expect(submit(altered))
        .to.be.revertedWithCustomError(ledger, "MeteringNotInBatch")
        .withArgs(honest.batchId, honest.readings[0]!.meter, pid);
      // A proof of another batch (foreign id) and a batch that does not exist.
      await expect(submit({ ...honest, batchId: forged.batchId }))
        .to.be.revertedWithCustomError(ledger, "MeteringNotInBatch")
        .withArgs(forged.batchId, honest.readings[0]!.meter, pid);
      await expect(submit({ ...honest, batchId: 999n }))
        .to.be.revertedWithCustomError(ledger, "MeteringUnknownBatch")
        .withArgs(999n);
      // The gateway's trusted comparison failed: the reading cannot settle.
      const untrusted = await metering.prove([
        {
          periodId: pid,
          participant: R2,
          produced: 1n,
          consumed: 0n,
          verdict: protocol.ReadingVerdict.Untrusted,
        },
      ]);
      await expect(submit(untrusted))
        .to.be.revertedWithCustomError(ledger, "MeteringReadingUntrusted")
        .withArgs(untrusted.batchId, untrusted.readings[0]!.meter, pid);
      const oversized = await metering.prove([
        { periodId: pid, participant: R2, produced: 2n ** 56n, consumed: 0n },
      ]);
      await expect(submit(oversized))
        .to.be.revertedWithCustomError(market, "SafeCastOverflowedUintDowncast")
        .withArgs(56, 2n ** 56n);
      const unknown = await metering.prove([
        { periodId: 77n, participant: R1, produced: 1n, consumed: 0n },
      ]);
      await expect(submit(unknown))
        .to.be.revertedWithCustomError(market, "MarketUnknownPeriod")
        .withArgs(77n);
      // Honest, then replayed (same proof) and a second honest reading: one reading per period.
      await submit(honest);
      await expect(submit(honest))
        .to.be.revertedWithCustomError(market, "MarketAlreadyReported")
        .withArgs(pid, R1);
      const second = await metering.prove([
        { periodId: pid, participant: R1, produced: 2n, consumed: 0n },
      ]);
      await expect(submit(second))
        .to.be.revertedWithCustomError(market, "MarketAlreadyReported")
        .withArgs(pid, R1);
      // A failing reading reverts the whole call: nothing of the list is stored.
      const mixed = await metering.prove([
        { periodId: pid, participant: R2, produced: 3n, consumed: 0n },
        { periodId: pid, participant: R1, produced: 3n, consumed: 0n },
      ]);
      await expect(submit(mixed)).to.be.revertedWithCustomError(market, "MarketAlreadyReported");
      expect((await market.position(pid, R2)).reported).to.equal(false);
      expect((await market.position(pid, R1)).produced).to.equal(1n);
      await time.increaseTo(f.settleAfter);
      await expect(
        submit(
          await metering.prove([{ periodId: pid, participant: R2, produced: 1n, consumed: 0n }]),
        ),
      )
        .to.be.revertedWithCustomError(market, "MarketMeteringClosed")
        .withArgs(pid, f.settleAfter);
    });

    it("pays for delivered energy only and compensates the harmed side beyond the band (worked example of decision 0105)", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, id, periodId, R1, R2, C1, B1, B2, B3 } = f;
      await time.increaseTo(f.start + DURATION);
      const reading = (o: { owner: { address: string } }, produced: bigint, consumed: bigint) => ({
        periodId,
        participant: o.owner.address,
        produced,
        consumed,
      });
      await f.metering.report(market, [
        // R1 sold 5000 and produced 2500: shortfall A = 2500 Wh (half of every R1 match).
        reading(R1, 2500n, 0n),
        // R2 sold 2000 and produced 1950: A = 50 Wh, inside the 5 % band.
        reading(R2, 1950n, 0n),
        // C1 sold 2000 and has no reading: it counts as producing nothing, A = 2000 Wh.
        reading(B1, 0n, 4000n),
        // B2 bought 3000 and consumed 1000: under-use U = 2000 Wh.
        reading(B2, 0n, 1000n),
        reading(B3, 0n, 2000n),
      ]);
      const before = await totalMilli(f);
      const balances = async () =>
        Promise.all(
          [R1, R2, C1, B1, B2, B3].map(async (o) => (await market.balanceOf(o.owner.address))[0]),
        );
      await market.tally(id, f.records);
      const avail0 = await balances();
      await expect(market.settle(id, f.records))
        .to.be.revertedWithCustomError(market, "MarketMeteringOpen")
        .withArgs(id, f.settleAfter);
      await time.increaseTo(f.settleAfter);
      const tx = market.settle(id, f.records);
      // (R1,B1) 4000 @175: a = 2000, c = 0. Energy 175·(4000 − 2000) = 350000; the seller pays
      //   (300 − 175) per Wh of 2000 − 5 %·4000 = 1800 Wh: 225000.
      // (R1,B2) 1000 @140: a = 500, c = 1000·2000/3000 = 666.67. Energy floor(140·333.33) = 46666;
      //   the buyer pays (140 − 80) per Wh of 666.67 − 500 − 50 = 116.67 Wh: 7000.
      // (R2,B2) 2000 @165: a = 50, c = 1333.33. Energy floor(165·666.67) = 110000; the buyer
      //   pays 85 per Wh of 1333.33 − 50 − 100 = 1183.33 Wh: floor(100583.33) = 100583.
      // (C1,B3) 2000 @105: a = 2000 (no reading), c = 0. Energy 0; the seller pays
      //   (300 − 105) per Wh of 2000 − 100 = 1900 Wh: 370500.
      await expect(tx)
        .to.emit(market, "MatchSettled")
        .withArgs(id, R1.id, B1.id, 350_000n, 225_000n, 0n)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, R1.id, B2.id, 46_666n, 0n, 7_000n)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, R2.id, B2.id, 110_000n, 0n, 100_583n)
        .and.to.emit(market, "MatchSettled")
        .withArgs(id, C1.id, B3.id, 0n, 370_500n, 0n)
        .and.to.emit(market, "IntervalSettled")
        .withArgs(id);
      const avail1 = await balances();
      const delta = avail1.map((a, i) => a - avail0[i]!);
      expect(delta).to.deep.equal([
        sellLock(100n, 5000n) + 350_000n + 46_666n + 7_000n - 225_000n,
        sellLock(150n, 2000n) + 110_000n + 100_583n,
        sellLock(90n, 2000n) - 370_500n,
        buyLock(250n, 4000n) - 350_000n + 225_000n,
        buyLock(180n, 3000n) - 46_666n - 7_000n - 110_000n - 100_583n,
        buyLock(120n, 2000n) + 370_500n,
      ]);
      const after = await totalMilli(f);
      expect(after.locked).to.equal(0n);
      expect(after.available).to.equal(before.available + before.locked);
      expect(after.available).to.equal((await f.token.balanceOf(await market.getAddress())) * UNIT);
      const p = await market.position(periodId, R1.owner.address);
      expect([p.sold, p.bought]).to.deep.equal([5000n, 0n]);
      expect((await market.interval(id)).status).to.equal(Status.Settled);
    });

    it("counts a buyer without a reading as consuming what it bought, so it pays for delivered energy in full", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, id, periodId, R1, B1 } = f;
      await time.increaseTo(f.start + DURATION);
      await f.metering.report(market, [
        { periodId, participant: R1.owner.address, produced: 5000n, consumed: 0n },
      ]);
      await time.increaseTo(f.settleAfter);
      await expect(market.settle(id, f.records))
        .to.emit(market, "MatchSettled")
        .withArgs(id, R1.id, B1.id, 175n * 4000n, 0n, 0n);
    });

    it("reverts settlement with MarketRecordListMismatch, MarketNotCleared, MarketAlreadySettled and MarketUnknownInterval", async () => {
      const f = await loadFixture(clearedWorkedBookFixture);
      const { market, id, records } = f;
      await time.increaseTo(f.settleAfter);
      await expect(market.settle(id, records.slice(1)))
        .to.be.revertedWithCustomError(market, "MarketRecordListMismatch")
        .withArgs(id, 6n, 7n);
      const tampered = [...records];
      tampered[0] = tampered[0]! + (1n << 104n); // raise the first trade price by 1 (protocol-fact-ok: tampering)
      await expect(market.settle(id, tampered))
        .to.be.revertedWithCustomError(market, "MarketRecordListMismatch")
        .withArgs(id, 7n, 7n);
      // Dropping an unmatched record would keep its lock forever: refused as well.
      const withoutRelease = records.filter((r) => (r & UNMATCHED) === 0n);
      await expect(market.tally(id, withoutRelease))
        .to.be.revertedWithCustomError(market, "MarketRecordListMismatch")
        .withArgs(id, 4n, 7n);
      await expect(market.settle(99n, []))
        .to.be.revertedWithCustomError(market, "MarketUnknownInterval")
        .withArgs(99n);
      const { id: openId } = await openInterval(market);
      await expect(market.settle(openId, []))
        .to.be.revertedWithCustomError(market, "MarketNotCleared")
        .withArgs(openId);
      await market.settle(id, records);
      await expect(market.settle(id, records))
        .to.be.revertedWithCustomError(market, "MarketAlreadySettled")
        .withArgs(id);
    });
  });

  describe("one delivery period, one imbalance", () => {
    /** A period traded day-ahead and intraday: the seller sells 10 kWh day-ahead and buys 4 kWh back intraday. */
    async function twoSettlementFixture() {
      const f = await deployMarketFixture();
      const { market, renewables, consumers, conventionals } = f;
      const { periodId, start, settleAfter } = await openPeriod(market);
      const da = await openIntervalFor(market, periodId, IntervalKind.DayAhead, 1800n);
      const id = await openIntervalFor(market, periodId, IntervalKind.Intraday, 3600n);
      const seller = renewables[0]!;
      const s1 = await place(market, da.id, seller, Side.Sell, 100n, 10_000n);
      const b1 = await place(market, da.id, consumers[0]!, Side.Buy, 200n, 10_000n);
      await time.increaseTo(da.gateClosure);
      const daTx = await market.clear(da.id, [s1.id], [], [b1.id]);
      const s2 = await place(market, id.id, conventionals[0]!, Side.Sell, 150n, 4_000n);
      const b2 = await place(market, id.id, seller, Side.Buy, 250n, 4_000n);
      await time.increaseTo(id.gateClosure);
      const idTx = await market.clear(id.id, [], [s2.id], [b2.id]);
      return {
        ...f,
        periodId,
        start,
        settleAfter,
        da: da.id,
        intraday: id.id,
        seller,
        daRecords: await recordsOf(market, [daTx.hash]),
        idRecords: await recordsOf(market, [idTx.hash]),
      };
    }

    it("settles against the net position: delivering the net plan costs no compensation in either interval", async () => {
      const f = await loadFixture(twoSettlementFixture);
      const { market, periodId } = f;
      await time.increaseTo(f.start + DURATION);
      await f.metering.report(market, [
        { periodId, participant: f.seller.address, produced: 6_000n, consumed: 0n }, // net export 10 − 4 kWh
        { periodId, participant: f.consumers[0]!.address, produced: 0n, consumed: 10_000n },
        { periodId, participant: f.conventionals[0]!.address, produced: 4_000n, consumed: 0n },
      ]);
      await time.increaseTo(f.settleAfter);
      await expect(market.settle(f.da, f.daRecords))
        .to.be.revertedWithCustomError(market, "MarketPeriodNotTallied")
        .withArgs(periodId, 1n, 2n); // settle tallied the day-ahead interval, then found intraday missing
      await market.tally(f.intraday, f.idRecords);
      await expect(market.settle(f.da, f.daRecords))
        .to.emit(market, "MatchSettled")
        .withArgs(f.da, anyValue, anyValue, 150n * 10_000n, 0n, 0n);
      await expect(market.settle(f.intraday, f.idRecords))
        .to.emit(market, "MatchSettled")
        .withArgs(f.intraday, anyValue, anyValue, 200n * 4_000n, 0n, 0n);
      const p = await market.position(periodId, f.seller.address);
      expect([p.sold, p.bought]).to.deep.equal([10_000n, 4_000n]);
      expect((await totalMilli(f)).locked).to.equal(0n);
    });

    it("charges one shortfall once: a net seller short by 3 kWh compensates only its sells", async () => {
      const f = await loadFixture(twoSettlementFixture);
      const { market, periodId } = f;
      await time.increaseTo(f.start + DURATION);
      await f.metering.report(market, [
        { periodId, participant: f.seller.address, produced: 3_000n, consumed: 0n },
        { periodId, participant: f.consumers[0]!.address, produced: 0n, consumed: 10_000n },
        { periodId, participant: f.conventionals[0]!.address, produced: 4_000n, consumed: 0n },
      ]);
      await market.tally(f.da, f.daRecords);
      await market.tally(f.intraday, f.idRecords);
      await time.increaseTo(f.settleAfter);
      // Shortfall 6 − 3 = 3 kWh, all on the 10 kWh day-ahead sell: a = 3000, energy 150·7000,
      // seller pays (300 − 150) per Wh of 3000 − 500 = 2500 Wh. The intraday buy is untouched.
      await expect(market.settle(f.da, f.daRecords))
        .to.emit(market, "MatchSettled")
        .withArgs(f.da, anyValue, anyValue, 150n * 7_000n, 150n * 2_500n, 0n);
      await expect(market.settle(f.intraday, f.idRecords))
        .to.emit(market, "MatchSettled")
        .withArgs(f.intraday, anyValue, anyValue, 200n * 4_000n, 0n, 0n);
    });
  });
});

describe("EnergyMarket settlement in chunks", () => {
  /** One renewable seller against 300 buys: 300 records, more than one 256-record checkpoint. */
  async function manyMatchesFixture() {
    const f = await deployMarketFixture();
    const { market, renewables, consumers } = f;
    const { id, periodId, gateClosure, start, settleAfter } = await openInterval(market);
    await place(market, id, renewables[0]!, Side.Sell, 100n, 300_000n);
    for (let i = 0; i < 300; i++) {
      await market
        .connect(consumers[i % consumers.length]!)
        .placeOrder(id, Side.Buy, 200n + BigInt(i % 7), 1000n);
    }
    await time.increaseTo(gateClosure);
    const lists = await clearingLists(market, id);
    const tx = await market.clear(id, lists.renewable, lists.conventional, lists.buys);
    const records = await recordsOf(market, [tx.hash]);
    await time.increaseTo(start + DURATION);
    await f.metering.report(market, [
      { periodId, participant: renewables[0]!.address, produced: 200_000n, consumed: 0n },
      { periodId, participant: consumers[0]!.address, produced: 0n, consumed: 10_000n },
    ]);
    await time.increaseTo(settleAfter);
    return { ...f, id, records };
  }

  async function balancesOf(f: Awaited<ReturnType<typeof manyMatchesFixture>>) {
    return Promise.all(
      [f.renewables[0]!, ...f.consumers].map((s) => f.market.balanceOf(s.address)),
    );
  }

  it("settles 300 records in checkpoint-aligned chunks exactly as in one transaction", async () => {
    const f = await loadFixture(manyMatchesFixture);
    expect(f.records).to.have.length(300);
    await f.market.settle(f.id, f.records);
    const oneShot = await balancesOf(f);

    const g = await loadFixture(manyMatchesFixture);
    const { market, id, records } = g;
    await expect(market.settleChunk(id, records.slice(0, 100)))
      .to.be.revertedWithCustomError(market, "MarketSettlementChunkMisaligned")
      .withArgs(id, 0n, 100n);
    const tampered = records.slice(0, 256);
    tampered[5] = tampered[5]! + (1n << 64n);
    await expect(market.settleChunk(id, tampered))
      .to.be.revertedWithCustomError(market, "MarketRecordListMismatch")
      .withArgs(id, 256n, 300n);
    expect(await market.settleChunk.staticCall(id, records.slice(0, 256))).to.equal(false);
    await market.settleChunk(id, records.slice(0, 256));
    // Replaying the chunk just processed is refused (the cursor moved on).
    await expect(market.settleChunk(id, records.slice(0, 256)))
      .to.be.revertedWithCustomError(market, "MarketSettlementChunkMisaligned")
      .withArgs(id, 256n, 256n);
    await market.settleChunk(id, records.slice(256));
    let st = await market.clearingState(id);
    expect([st.settleStage, st.settleCursor]).to.deep.equal([1n, 0n]);
    await market.settleChunk(id, records.slice(0, 256));
    await expect(market.settle(id, records))
      .to.be.revertedWithCustomError(market, "MarketRecordListMismatch")
      .withArgs(id, 300n, 300n);
    st = await market.clearingState(id);
    expect([st.settleStage, st.settleCursor]).to.deep.equal([1n, 256n]);
    await expect(market.settleChunk(id, records.slice(256)))
      .to.emit(market, "IntervalSettled")
      .withArgs(id);
    expect(await balancesOf(g)).to.deep.equal(oneShot);
    expect((await market.interval(id)).status).to.equal(Status.Settled);
  });

  it("reverts with MarketMeteringClosed for a reading after the metering window", async () => {
    const f = await loadFixture(manyMatchesFixture);
    const iv = await f.market.interval(f.id);
    await expect(
      f.metering.report(f.market, [
        {
          periodId: iv.periodId,
          participant: f.conventionals[0]!.address,
          produced: 1n,
          consumed: 1n,
        },
      ]),
    )
      .to.be.revertedWithCustomError(f.market, "MarketMeteringClosed")
      .withArgs(iv.periodId, iv.start + DURATION + METERING_WINDOW);
  });
});
