import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { Result, Signer } from "ethers";
import type { DispatchRegistry } from "../../typechain-types";
import { admit } from "../data/registryHelpers";
import { TestMeteringHead } from "../helpers/provenReadings";
import { protocol } from "../helpers/protocol";
import {
  byProvider,
  capOf,
  costOf,
  meritOrder,
  settleReference,
  signOffer,
  type OfferTerms,
  type SignedOffer,
} from "./tdvaHelpers";
import { deployProxied } from "../../scripts/deploy/proxy";

/*
 * The paper's 6-node feeder (001 section 4): node 1 at the grid, DER at nodes 1, 2, 5 and 6. Node 6
 * over-generates and its voltage leaves the band, so the operator asks for 120 kW less injection
 * for one hour. The four DER owners offer; prices are token base units per kWh (GLT, 6 decimals).
 */
const FEEDER = 6;
const DURATION = 3_600n;
const REQUESTED_W = -120_000n;
const BUDGET = 10_000_000n; // 10 GLT
const OVER_VOLTAGE = 1;
const ALARM_HASH = ethers.id("node-6 voltage alarm readings");
const ALARM_CID = "bafkreialarm";
const SAFETY_HASH = ethers.id("power-flow safety report");

type Name = "n1" | "n2" | "n5" | "n6";
const NAMES: Name[] = ["n1", "n2", "n5", "n6"];

/** Offers by node: capacities in W, energy caps in Wh. */
function termsFor(name: Name, provider: string, signedAt: bigint): OfferTerms {
  const seg = (kW: bigint, price: bigint) => ({ capacityW: kW * 1_000n, pricePerKWh: price });
  const table: Record<Name, Omit<OfferTerms, "provider" | "signedAt">> = {
    // node 1: 40 kW, 40 kWh; 20 kW at 0.06 then 20 kW at 0.09 GLT/kWh
    n1: {
      maxPowerW: 40_000n,
      maxEnergyWh: 40_000n,
      segments: [seg(20n, 60_000n), seg(20n, 90_000n)],
    },
    // node 2: 50 kW but only 30 kWh, so at most 30 kW for the hour
    n2: {
      maxPowerW: 50_000n,
      maxEnergyWh: 30_000n,
      segments: [seg(30n, 50_000n), seg(20n, 80_000n)],
    },
    // node 5: 30 kW, 30 kWh at 0.07
    n5: { maxPowerW: 30_000n, maxEnergyWh: 30_000n, segments: [seg(30n, 70_000n)] },
    // node 6 (the over-generating one): 60 kW, 60 kWh; 40 kW at 0.04 then 20 kW at 0.10
    n6: {
      maxPowerW: 60_000n,
      maxEnergyWh: 60_000n,
      segments: [seg(40n, 40_000n), seg(20n, 100_000n)],
    },
  };
  return { provider, signedAt, ...table[name] };
}

async function deployFixture() {
  const [operator, s1, s2, s5, s6, outsider, stranger] = await ethers.getSigners();
  const token = await deployProxied(ethers, "GridToken", [], [operator!.address, 0n, 0n]);
  const participants = await deployProxied(ethers, "ParticipantRegistry", [], [operator!.address]);
  const ledger = await deployProxied(
    ethers,
    "MeteringLedger",
    [await participants.getAddress()],
    [operator!.address],
  );
  await ledger.grantRole(await ledger.GATEWAY_ROLE(), operator!.address);
  const tdva = await deployProxied(
    ethers,
    "DispatchRegistry",
    [await token.getAddress(), await participants.getAddress(), await ledger.getAddress()],
    [operator!.address],
  );
  const head = new TestMeteringHead(ledger, participants, operator!);
  const signers: Record<Name, Signer> = { n1: s1!, n2: s2!, n5: s5!, n6: s6! };
  const buses: Record<Name, number> = { n1: 1, n2: 2, n5: 5, n6: 6 };
  for (const name of NAMES) await admit(participants, signers[name], FEEDER, buses[name]);
  await admit(participants, outsider!, FEEDER + 1, 3);
  await token.mint(operator!.address, 100n * BUDGET);
  await token.approve(await tdva.getAddress(), ethers.MaxUint256);
  return {
    token,
    participants,
    ledger,
    head,
    tdva,
    operator: operator!,
    signers,
    outsider: outsider!,
    stranger: stranger!,
  };
}

async function triggerParams(overrides: Partial<Record<string, unknown>> = {}) {
  const now = BigInt(await time.latest());
  return {
    reason: OVER_VOLTAGE,
    feederId: FEEDER,
    requestedW: REQUESTED_W,
    start: now + 900n,
    duration: DURATION,
    quoteDeadline: now + 600n,
    budget: BUDGET,
    dataHash: ALARM_HASH,
    dataCid: ALARM_CID,
    ...overrides,
  };
}

type Lines = { provider: string; allocationW: bigint; segments: bigint[] }[];

/**
 * The meters' side of Verify: each provider's device signs a baseline and an event-window reading
 * that differ by `delivered[i]` Wh in the event's direction (REQUESTED_W < 0: less injection), the
 * head-end anchors them, anyone reports them; then anyone verifies.
 */
async function measureAndVerify(
  f: { tdva: DispatchRegistry; head: TestMeteringHead },
  eventId: bigint,
  lines: Lines,
  delivered: readonly bigint[],
  raise = false,
) {
  const rows = lines.map((l, index) => ({
    index,
    provider: l.provider,
    deliveredWh: delivered[index]!,
  }));
  const entries = await f.head.proveTdva(f.tdva, eventId, rows, raise);
  await (await f.tdva.reportEventReadings(eventId, lines, entries)).wait();
  return f.tdva.verify(eventId);
}

/** Trigger event 1 and have the four providers sign their offers. */
async function triggeredFixture() {
  const base = await deployFixture();
  const params = await triggerParams();
  await base.tdva.trigger(params);
  const signedAt = BigInt(await time.latest());
  const terms = {} as Record<Name, OfferTerms>;
  const offers = {} as Record<Name, SignedOffer>;
  for (const name of NAMES) {
    const signer = base.signers[name];
    terms[name] = termsFor(name, await signer.getAddress(), signedAt);
    offers[name] = await signOffer(base.tdva, signer, 1n, terms[name]);
  }
  // Merit order: n6 40 kW @0.04, n2 30 kW @0.05, n1 20 kW @0.06, n5 30 kW @0.07 = 120 kW.
  const allocation: Record<Name, bigint> = { n1: 20_000n, n2: 30_000n, n5: 30_000n, n6: 40_000n };
  return { ...base, params, terms, offers, allocation };
}

type Triggered = Awaited<ReturnType<typeof triggeredFixture>>;

/** Offers and allocations in the on-chain order (ascending provider address). */
function ordered(f: Triggered, allocation: Record<Name, bigint> = f.allocation) {
  const rows = byProvider(NAMES.map((name) => ({ name, provider: f.offers[name].provider })));
  return {
    names: rows.map((r) => r.name),
    offers: rows.map((r) => f.offers[r.name]),
    allocations: rows.map((r) => allocation[r.name]),
    lines: rows.map((r) => ({
      provider: f.offers[r.name].provider,
      allocationW: allocation[r.name],
      segments: f.offers[r.name].segments,
    })),
  };
}

async function dispatchedFixture() {
  const f = await triggeredFixture();
  const o = ordered(f);
  await f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "bafkreisafety", true);
  return f;
}

/** Deliveries: n6 under-delivers (30 of 40 kWh), n5 is inside the band, n2 over-delivers. */
const DELIVERED: Record<Name, bigint> = { n1: 20_000n, n2: 31_000n, n5: 28_800n, n6: 30_000n };

async function verifiedFixture() {
  const f = await dispatchedFixture();
  await time.increaseTo(f.params.start + DURATION);
  const o = ordered(f);
  const delivered = o.names.map((n) => DELIVERED[n]);
  await measureAndVerify(f, 1n, o.lines, delivered);
  return { ...f, delivered };
}

async function expectStage(tdva: DispatchRegistry, stage: number) {
  const [t] = await tdva.tdvaChain(1n);
  expect(t.stage).to.equal(stage);
}

describe("DispatchRegistry", () => {
  describe("full TDVA lifecycle on the 6-node feeder", () => {
    it("runs trigger, dispatch, verify and settle with hand-computed payments and exact conservation", async () => {
      const f = await loadFixture(deployFixture);
      const params = await triggerParams();
      const tdvaAddress = await f.tdva.getAddress();

      // Trigger: the budget moves from the operator into the registry.
      await expect(f.tdva.trigger(params))
        .to.emit(f.tdva, "TdvaTriggered")
        .withArgs(1n, FEEDER, anyValue, anyValue)
        .and.to.emit(f.token, "Transfer")
        .withArgs(f.operator.address, tdvaAddress, BUDGET);
      expect(await f.tdva.lockedBudgets()).to.equal(BUDGET);
      const signedAt = BigInt(await time.latest());
      const terms = {} as Record<Name, OfferTerms>;
      const offers = {} as Record<Name, SignedOffer>;
      for (const name of NAMES) {
        terms[name] = termsFor(name, await f.signers[name].getAddress(), signedAt);
        offers[name] = await signOffer(f.tdva, f.signers[name], 1n, terms[name]);
      }
      const allocation: Record<Name, bigint> = {
        n1: 20_000n,
        n2: 30_000n,
        n5: 30_000n,
        n6: 40_000n,
      };
      // The TypeScript merit-order reference agrees with the hand allocation.
      const order = byProvider(NAMES.map((name) => ({ name, provider: offers[name].provider })));
      const names = order.map((r) => r.name);
      expect(
        meritOrder(
          names.map((n) => terms[n]),
          120_000n,
          DURATION,
        ),
      ).to.deep.equal(names.map((n) => allocation[n]));

      // Dispatch: costs by hand (T = 1 h, so kW = kWh):
      // n1 20 kWh × 60,000 = 1,200,000; n2 30 × 50,000 = 1,500,000; n5 30 × 70,000 = 2,100,000;
      // n6 40 × 40,000 = 1,600,000; total 6,400,000 ≤ 10,000,000 budget.
      const handCost: Record<Name, bigint> = {
        n1: 1_200_000n,
        n2: 1_500_000n,
        n5: 2_100_000n,
        n6: 1_600_000n,
      };
      const dispatchTx = f.tdva.dispatch(
        1n,
        names.map((n) => offers[n]),
        names.map((n) => allocation[n]),
        SAFETY_HASH,
        "bafkreisafety",
        true,
      );
      for (const [i, n] of names.entries()) {
        await expect(dispatchTx)
          .to.emit(f.tdva, "OfferAccepted")
          .withArgs(
            1n,
            offers[n].provider,
            BigInt(i),
            anyValue,
            allocation[n],
            handCost[n],
            anyValue,
          );
      }
      await expect(dispatchTx).to.emit(f.tdva, "TdvaDispatched");
      const [, d] = await f.tdva.tdvaChain(1n);
      expect(d.cost).to.equal(6_400_000n);
      expect(d.allocatedW).to.equal(120_000n);
      expect(d.providerCount).to.equal(4n);
      expect(d.meritOrder).to.equal(true);

      // Verify after the window.
      await time.increaseTo(params.start + DURATION);
      const delivered = names.map((n) => DELIVERED[n]);
      const measuredLines = names.map((n) => ({
        provider: offers[n].provider,
        allocationW: allocation[n],
        segments: offers[n].segments,
      }));
      await expect(measureAndVerify(f, 1n, measuredLines, delivered))
        .to.emit(f.tdva, "TdvaVerified")
        .withArgs(1n, anyValue, anyValue, delivered);

      // Settle, by hand:
      // n1 delivered 20 of 20 kWh: 20 × 60,000 = 1,200,000, no penalty.
      // n2 delivered 31 kWh, capped at its 30 kWh allocation: 30 × 50,000 = 1,500,000.
      // n5 delivered 28.8 of 30 kWh (96 % ≥ 95 %): 28.8 × 70,000 = 2,016,000, no penalty.
      // n6 delivered 30 of 40 kWh: payment 30 × 40,000 = 1,200,000; band 95 % × 40 = 38 kWh,
      //    shortfall 8 kWh × marginal price 40,000 = 320,000 withheld; net 880,000.
      // paid 5,596,000; penalties 320,000; refund 10,000,000 − 5,596,000 = 4,404,000.
      const hand: Record<Name, { payment: bigint; withheld: bigint; net: bigint }> = {
        n1: { payment: 1_200_000n, withheld: 0n, net: 1_200_000n },
        n2: { payment: 1_500_000n, withheld: 0n, net: 1_500_000n },
        n5: { payment: 2_016_000n, withheld: 0n, net: 2_016_000n },
        n6: { payment: 1_200_000n, withheld: 320_000n, net: 880_000n },
      };
      const lines = names.map((n) => ({
        provider: offers[n].provider,
        allocationW: allocation[n],
        segments: offers[n].segments,
      }));
      const settleTx = f.tdva.connect(f.stranger).settle(1n, lines, delivered);
      for (const n of names) {
        await expect(settleTx)
          .to.emit(f.tdva, "ProviderSettled")
          .withArgs(1n, offers[n].provider, DELIVERED[n], hand[n].payment, hand[n].withheld, 0n);
        // The TypeScript reference agrees with the hand figures.
        const ref = settleReference(terms[n], allocation[n], DURATION, DELIVERED[n], 500n);
        expect(ref.net).to.equal(hand[n].net);
        expect(await f.tdva.balanceOf(offers[n].provider)).to.equal(hand[n].net);
      }
      await expect(settleTx).to.emit(f.tdva, "TdvaSettled");
      const [, , , a] = await f.tdva.tdvaChain(1n);
      expect(a.paid).to.equal(5_596_000n);
      expect(a.penalties).to.equal(320_000n);
      expect(a.refund).to.equal(4_404_000n);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(4_404_000n);
      expect(a.paid + a.refund).to.equal(BUDGET);
      expect(await f.tdva.lockedBudgets()).to.equal(0n);
      expect(await f.tdva.totalBalances()).to.equal(BUDGET);
      expect(await f.token.balanceOf(tdvaAddress)).to.equal(BUDGET);

      // Pull payments: everyone withdraws, the registry ends empty.
      for (const n of names) {
        await expect(f.tdva.connect(f.signers[n]).withdraw())
          .to.emit(f.tdva, "Withdrawn")
          .withArgs(offers[n].provider, hand[n].net);
        expect(await f.token.balanceOf(offers[n].provider)).to.equal(hand[n].net);
      }
      await f.tdva.withdraw();
      expect(await f.token.balanceOf(tdvaAddress)).to.equal(0n);
      await expect(f.tdva.withdraw())
        .to.be.revertedWithCustomError(f.tdva, "TdvaNothingToWithdraw")
        .withArgs(f.operator.address);

      // The chain holds together.
      const [ok, written] = await f.tdva.checkLinks(1n);
      expect(ok).to.equal(true);
      expect(written).to.equal(4n);
    });

    it("settles the reference 6-node event (packages/domain/data/networks/six-node-dispatch.json) by hand", async () => {
      // 700 kW less injection for 1 h; the safety-capped allocation of decision 0301 is
      // 0 / 33 / 400 / 267 kW (not merit order: the cheap DER at nodes 1 and 2 do not relieve node 6).
      const event = JSON.parse(
        readFileSync(
          join(__dirname, "../../packages/domain/data/networks/six-node-dispatch.json"),
          "utf8",
        ),
      ) as {
        deltaTotalKW: number;
        durationH: number;
        offers: {
          id: string;
          maxKW: number;
          maxKWh?: number;
          segments: { kw: number; price: number }[];
        }[];
      };
      const f = await loadFixture(deployFixture);
      const duration = BigInt(event.durationH * 3_600);
      const budget = 300_000_000n; // 300 GLT
      const params = await triggerParams({
        requestedW: -BigInt(event.deltaTotalKW * 1_000),
        duration,
        budget,
      });
      await f.tdva.trigger(params);
      const signedAt = BigInt(await time.latest());
      const signerOf: Record<string, Signer> = {
        "der-1": f.signers.n1,
        "der-2": f.signers.n2,
        "der-5": f.signers.n5,
        "der-6": f.signers.n6,
      };
      const allocationKW: Record<string, bigint> = {
        "der-1": 0n,
        "der-2": 33n,
        "der-5": 400n,
        "der-6": 267n,
      };
      // der-6 delivers 240 of its 267 kWh; the others deliver their allocation.
      const deliveredWh: Record<string, bigint> = {
        "der-1": 0n,
        "der-2": 33_000n,
        "der-5": 400_000n,
        "der-6": 240_000n,
      };
      const rows = byProvider(
        await Promise.all(
          event.offers.map(async (o) => {
            const provider = await signerOf[o.id]!.getAddress();
            const terms: OfferTerms = {
              provider,
              maxPowerW: BigInt(o.maxKW * 1_000),
              maxEnergyWh: BigInt((o.maxKWh ?? o.maxKW * event.durationH) * 1_000),
              signedAt,
              // prices in GLT/kWh → base units (6 decimals)
              segments: o.segments.map((s) => ({
                capacityW: BigInt(s.kw * 1_000),
                pricePerKWh: BigInt(Math.round(s.price * 1e6)),
              })),
            };
            return {
              id: o.id,
              provider,
              offer: await signOffer(f.tdva, signerOf[o.id]!, 1n, terms),
            };
          }),
        ),
      );
      const allocations = rows.map((r) => allocationKW[r.id]! * 1_000n);
      // Claimed as merit order it is refused (node 1's 0.20 offer is unused while 0.40 is used) ...
      await expect(
        f.tdva.dispatch(
          1n,
          rows.map((r) => r.offer),
          allocations,
          SAFETY_HASH,
          "",
          true,
        ),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaNotMeritOrder");
      // ... and accepted as the safety-constrained solution it is.
      await f.tdva.dispatch(
        1n,
        rows.map((r) => r.offer),
        allocations,
        SAFETY_HASH,
        "",
        false,
      );
      // Cost by hand: 33 × 0.25 + 400 × 0.35 + 267 × 0.40 = 8.25 + 140 + 106.8 = 255.05 GLT.
      expect((await f.tdva.tdvaChain(1n))[1].cost).to.equal(255_050_000n);
      await time.increaseTo(params.start + duration);
      const delivered = rows.map((r) => deliveredWh[r.id]!);
      const lines = rows.map((r, i) => ({
        provider: r.provider,
        allocationW: allocations[i]!,
        segments: r.offer.segments,
      }));
      await measureAndVerify(f, 1n, lines, delivered);
      await f.tdva.settle(1n, lines, delivered);
      // By hand: der-2 33 × 0.25 = 8.25 GLT; der-5 400 × 0.35 = 140 GLT;
      // der-6 240 × 0.40 = 96 GLT, band 95 % × 267 = 253.65 kWh, shortfall 13.65 kWh × 0.40 =
      // 5.46 GLT withheld → 90.54 GLT; der-1 nothing. Paid 238.79, refund 300 − 238.79 = 61.21.
      const net: Record<string, bigint> = {
        "der-1": 0n,
        "der-2": 8_250_000n,
        "der-5": 140_000_000n,
        "der-6": 90_540_000n,
      };
      for (const r of rows) expect(await f.tdva.balanceOf(r.provider)).to.equal(net[r.id]);
      const [, , , a] = await f.tdva.tdvaChain(1n);
      expect(a.paid).to.equal(238_790_000n);
      expect(a.penalties).to.equal(5_460_000n);
      expect(a.refund).to.equal(61_210_000n);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(61_210_000n);
    });

    it("links every record to the hash of the one before, as emitted and as stored", async () => {
      const f = await loadFixture(verifiedFixture);
      const o = ordered(f);
      const receipt = await (await f.tdva.settle(1n, o.lines, f.delivered)).wait();
      const [t, d, v, a, hashes] = await f.tdva.tdvaChain(1n);
      const { chainId } = await ethers.provider.getNetwork();
      expect(t.prev).to.equal(
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["uint256", "address", "uint256"],
            [chainId, await f.tdva.getAddress(), 1n],
          ),
        ),
      );
      expect(hashes[0]).to.equal(await f.tdva.hashTrigger(structOf(t)));
      expect(d.prev).to.equal(hashes[0]);
      expect(hashes[1]).to.equal(await f.tdva.hashDispatch(structOf(d)));
      expect(v.prev).to.equal(hashes[1]);
      expect(hashes[2]).to.equal(await f.tdva.hashVerify(structOf(v)));
      expect(a.prev).to.equal(hashes[2]);
      expect(hashes[3]).to.equal(await f.tdva.hashSettle(structOf(a)));
      // The settle event carries the same record hash an indexer would store.
      const settled = receipt!.logs
        .map((log) => f.tdva.interface.parseLog(log))
        .find((parsed) => parsed?.name === "TdvaSettled");
      expect(settled!.args.recordHash).to.equal(hashes[3]);
      // A record altered off-chain no longer hashes to the link its successor stores.
      const forged = { ...structOf(d), cost: d.cost + 1n };
      expect(await f.tdva.hashDispatch(forged)).to.not.equal(v.prev);
      // The dispatch commits to the lines: recompute allocationsHash from the offers.
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const lineHashes = o.lines.map((l) =>
        ethers.keccak256(
          coder.encode(
            ["address", "uint256", "bytes32"],
            [
              l.provider,
              l.allocationW,
              ethers.solidityPackedKeccak256(
                l.segments.map(() => "uint256"),
                l.segments,
              ),
            ],
          ),
        ),
      );
      expect(d.allocationsHash).to.equal(
        ethers.solidityPackedKeccak256(
          lineHashes.map(() => "bytes32"),
          lineHashes,
        ),
      );
    });

    it("reports partial chains: links hold and later hashes stay zero", async () => {
      const f = await loadFixture(dispatchedFixture);
      const [ok, written] = await f.tdva.checkLinks(1n);
      expect([ok, written]).to.deep.equal([true, 2n]);
      const [, , , , hashes] = await f.tdva.tdvaChain(1n);
      expect(hashes[2]).to.equal(ethers.ZeroHash);
      expect(hashes[3]).to.equal(ethers.ZeroHash);
      expect(await f.tdva.checkLinks(99n)).to.deep.equal([false, 0n]);
    });
  });

  describe("stage order", () => {
    it("reverts with TdvaUnexpectedStage when dispatch comes before any trigger", async () => {
      const f = await loadFixture(deployFixture);
      await expect(f.tdva.dispatch(1n, [], [], SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 0, 1);
    });

    it("reverts with TdvaUnexpectedStage when verify comes before dispatch", async () => {
      const f = await loadFixture(triggeredFixture);
      await time.increaseTo(f.params.start + DURATION);
      await expect(f.tdva.verify(1n))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 1, 2);
      await expect(f.tdva.reportEventReadings(1n, [], []))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 1, 2);
    });

    it("reverts with TdvaUnexpectedStage when settle comes before verify", async () => {
      const f = await loadFixture(dispatchedFixture);
      const o = ordered(f);
      await expect(f.tdva.settle(1n, o.lines, [0n, 0n, 0n, 0n]))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 2, 3);
    });

    it("reverts with TdvaUnexpectedStage when an event is settled twice", async () => {
      const f = await loadFixture(verifiedFixture);
      const o = ordered(f);
      await expectStage(f.tdva, 3);
      await f.tdva.settle(1n, o.lines, f.delivered);
      await expectStage(f.tdva, 4);
      await expect(f.tdva.settle(1n, o.lines, f.delivered))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 4, 3);
    });

    it("reverts with TdvaUnexpectedStage when an event is dispatched twice", async () => {
      const f = await loadFixture(dispatchedFixture);
      const o = ordered(f);
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 2, 1);
    });

    it("reverts with TdvaDispatchClosed once the window started", async () => {
      const f = await loadFixture(triggeredFixture);
      await time.increaseTo(f.params.start);
      const o = ordered(f);
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaDispatchClosed")
        .withArgs(1n, f.params.start);
    });

    it("reverts with TdvaWindowNotOver when verify comes before the window ended", async () => {
      const f = await loadFixture(dispatchedFixture);
      await expect(f.tdva.verify(1n))
        .to.be.revertedWithCustomError(f.tdva, "TdvaWindowNotOver")
        .withArgs(1n, f.params.start + DURATION);
      await expect(f.tdva.reportEventReadings(1n, ordered(f).lines, []))
        .to.be.revertedWithCustomError(f.tdva, "TdvaWindowNotOver")
        .withArgs(1n, f.params.start + DURATION);
    });
  });

  describe("offers", () => {
    it("reverts with TdvaOfferOutsideQuoteWindow for an offer signed after the quote deadline", async () => {
      const f = await loadFixture(triggeredFixture);
      const late = await signOffer(f.tdva, f.signers.n6, 1n, {
        ...f.terms.n6,
        signedAt: f.params.quoteDeadline + 1n,
      });
      await time.increaseTo(f.params.quoteDeadline + 5n);
      const o = ordered({ ...f, offers: { ...f.offers, n6: late } });
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaOfferOutsideQuoteWindow")
        .withArgs(1n, late.provider, f.params.quoteDeadline + 1n, f.params.quoteDeadline);
    });

    it("reverts with TdvaOfferOutsideQuoteWindow for an offer dated before the trigger", async () => {
      const f = await loadFixture(triggeredFixture);
      const early = await signOffer(f.tdva, f.signers.n1, 1n, {
        ...f.terms.n1,
        signedAt: f.terms.n1.signedAt - 10n,
      });
      const o = ordered({ ...f, offers: { ...f.offers, n1: early } });
      await expect(
        f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaOfferOutsideQuoteWindow");
    });

    it("reverts with TdvaOfferBadSignature when an offer is signed by someone else or altered", async () => {
      const f = await loadFixture(triggeredFixture);
      const forged = await signOffer(f.tdva, f.stranger, 1n, f.terms.n5);
      const o = ordered({ ...f, offers: { ...f.offers, n5: forged } });
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaOfferBadSignature")
        .withArgs(o.names.indexOf("n5"), forged.provider, f.stranger.address);
      // The operator raising a provider's cap breaks the provider's signature.
      const altered = { ...f.offers.n1, maxPowerW: 45_000n };
      const o2 = ordered({ ...f, offers: { ...f.offers, n1: altered } });
      await expect(
        f.tdva.dispatch(1n, o2.offers, o2.allocations, SAFETY_HASH, "", true),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaOfferBadSignature");
    });

    it("reverts with TdvaProviderNotEligible for a participant of another feeder or a stranger", async () => {
      const f = await loadFixture(triggeredFixture);
      for (const signer of [f.outsider, f.stranger]) {
        const terms = { ...f.terms.n5, provider: signer.address };
        const offer = await signOffer(f.tdva, signer, 1n, terms);
        const rows = byProvider([
          ...NAMES.filter((n) => n !== "n5").map((n) => ({
            provider: f.offers[n].provider,
            offer: f.offers[n],
            alloc: f.allocation[n],
          })),
          { provider: signer.address, offer, alloc: f.allocation.n5 },
        ]);
        await expect(
          f.tdva.dispatch(
            1n,
            rows.map((r) => r.offer),
            rows.map((r) => r.alloc),
            SAFETY_HASH,
            "",
            true,
          ),
        )
          .to.be.revertedWithCustomError(f.tdva, "TdvaProviderNotEligible")
          .withArgs(
            rows.findIndex((r) => r.provider === signer.address),
            signer.address,
          );
      }
    });

    it("reverts with TdvaProvidersNotSorted when a provider appears twice", async () => {
      const f = await loadFixture(triggeredFixture);
      const o = ordered(f);
      const offers = [o.offers[0]!, o.offers[0]!, ...o.offers.slice(1)];
      await expect(f.tdva.dispatch(1n, offers, [0n, ...o.allocations], SAFETY_HASH, "", false))
        .to.be.revertedWithCustomError(f.tdva, "TdvaProvidersNotSorted")
        .withArgs(1n, o.offers[0]!.provider);
    });

    it("reverts with TdvaInvalidSegments for descending prices or too many segments", async () => {
      const f = await loadFixture(triggeredFixture);
      const seg = (capacityW: bigint, pricePerKWh: bigint) => ({ capacityW, pricePerKWh });
      for (const segments of [
        [seg(20_000n, 90_000n), seg(20_000n, 60_000n)],
        Array.from({ length: 9 }, () => seg(5_000n, 60_000n)),
        [seg(0n, 60_000n), seg(40_000n, 60_000n)],
      ]) {
        const bad = await signOffer(f.tdva, f.signers.n1, 1n, { ...f.terms.n1, segments });
        const o = ordered({ ...f, offers: { ...f.offers, n1: bad } });
        await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", false))
          .to.be.revertedWithCustomError(f.tdva, "TdvaInvalidSegments")
          .withArgs(o.names.indexOf("n1"), bad.provider);
      }
    });

    it("reverts with TdvaBadProviderCount when offers and allocations differ in length", async () => {
      const f = await loadFixture(triggeredFixture);
      const o = ordered(f);
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations.slice(1), SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaBadProviderCount")
        .withArgs(4n, 3n);
    });
  });

  describe("dispatch feasibility and optimality", () => {
    it("reverts with TdvaAllocationInfeasible above a provider's power or energy cap", async () => {
      const f = await loadFixture(triggeredFixture);
      // n2 offers 50 kW but only 30 kWh: 35 kW for an hour breaks W_max.
      const o = ordered(f, { n1: 20_000n, n2: 35_000n, n5: 25_000n, n6: 40_000n });
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", false))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationInfeasible")
        .withArgs(o.names.indexOf("n2"), f.offers.n2.provider, 35_000n, 30_000n);
      // n5 offers 30 kW.
      const o2 = ordered(f, { n1: 20_000n, n2: 30_000n, n5: 31_000n, n6: 39_000n });
      await expect(f.tdva.dispatch(1n, o2.offers, o2.allocations, SAFETY_HASH, "", false))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationInfeasible")
        .withArgs(o2.names.indexOf("n5"), f.offers.n5.provider, 31_000n, 30_000n);
    });

    it("reverts with TdvaAllocationSumMismatch when Σ ΔP_i differs from ΔP_total", async () => {
      const f = await loadFixture(triggeredFixture);
      const o = ordered(f, { n1: 20_000n, n2: 30_000n, n5: 29_000n, n6: 40_000n });
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationSumMismatch")
        .withArgs(1n, 119_000n, 120_000n);
    });

    it("reverts with TdvaNotMeritOrder when a dearer segment is used and a cheaper one left, and accepts it unclaimed", async () => {
      const f = await loadFixture(triggeredFixture);
      // n1's second segment (0.09) replaces 20 kW of n5 (0.07): feasible but not optimal.
      const allocation = { n1: 40_000n, n2: 30_000n, n5: 10_000n, n6: 40_000n };
      const o = ordered(f, allocation);
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaNotMeritOrder")
        .withArgs(1n, o.names.indexOf("n1"), 90_000n, o.names.indexOf("n5"), 70_000n);
      // The same allocation without the merit-order claim (e.g. an ADMM result) is feasible.
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", false)).to.emit(
        f.tdva,
        "TdvaDispatched",
      );
      const [, d] = await f.tdva.tdvaChain(1n);
      expect(d.meritOrder).to.equal(false);
      // 40 × 60,000/2 ... by hand: n1 20×60,000 + 20×90,000 = 3,000,000; n2 1,500,000;
      // n5 10×70,000 = 700,000; n6 1,600,000; total 6,800,000.
      expect(d.cost).to.equal(6_800_000n);
    });

    it("agrees with the TypeScript merit-order reference on seeded random offers, and catches 1 W moved to a dearer segment", async () => {
      const f = await loadFixture(triggeredFixture);
      let seed = 0x7d5an;
      const random = (lo: bigint, hi: bigint) => {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
        return lo + ((seed >> 16n) % (hi - lo + 1n));
      };
      const rows = byProvider(NAMES.map((name) => ({ name, provider: f.offers[name].provider })));
      let checked = 0;
      let violations = 0;
      for (let round = 0; round < 8; round++) {
        const terms = rows.map((r): OfferTerms => {
          // prices stay ≤ 60,000 per kWh so 120 kWh fit the 10 GLT budget
          let price = random(10_000n, 30_000n);
          const segments = Array.from({ length: Number(random(2n, 4n)) }, () => {
            const segment = { capacityW: random(5_000n, 40_000n), pricePerKWh: price };
            price += random(0n, 10_000n);
            return segment;
          });
          const total = segments.reduce((sum, x) => sum + x.capacityW, 0n);
          return {
            provider: r.provider,
            maxPowerW: random(total / 2n, total),
            maxEnergyWh: random(total / 2n, total),
            signedAt: f.terms.n1.signedAt,
            segments,
          };
        });
        const capacity = terms.reduce((sum, t) => sum + capOf(t, DURATION), 0n);
        const requested = 120_000n < capacity ? 120_000n : capacity;
        if (requested !== 120_000n) continue; // the event asks for 120 kW
        const allocations = meritOrder(terms, requested, DURATION);
        const offers = await Promise.all(
          rows.map((r, i) => signOffer(f.tdva, f.signers[r.name], 1n, terms[i]!)),
        );
        await f.tdva.dispatch.staticCall(1n, offers, allocations, SAFETY_HASH, "", true);
        // Move one watt from the provider with the cheapest used marginal segment to the one
        // with the dearest next available watt.
        const marginal = (t: OfferTerms, w: bigint) => {
          let cumulative = 0n;
          for (const x of t.segments) {
            cumulative += x.capacityW;
            if (w <= cumulative) return x.pricePerKWh;
          }
          return -1n;
        };
        let from = -1;
        let to = -1;
        terms.forEach((t, i) => {
          if (
            allocations[i]! > 0n &&
            (from < 0 || marginal(t, allocations[i]!) < marginal(terms[from]!, allocations[from]!))
          )
            from = i;
          if (
            allocations[i]! < capOf(t, DURATION) &&
            (to < 0 ||
              marginal(t, allocations[i]! + 1n) > marginal(terms[to]!, allocations[to]! + 1n))
          )
            to = i;
        });
        if (from < 0 || to < 0 || from === to) continue;
        const moved = [...allocations];
        moved[from]! -= 1n;
        moved[to]! += 1n;
        const dearer = marginal(terms[to]!, allocations[to]! + 1n);
        const freed = marginal(terms[from]!, allocations[from]!);
        const call = f.tdva.dispatch.staticCall(1n, offers, moved, SAFETY_HASH, "", true);
        if (dearer > freed) {
          await expect(call).to.be.revertedWithCustomError(f.tdva, "TdvaNotMeritOrder");
          violations++;
        } else {
          await call;
        }
        checked++;
      }
      expect(checked).to.be.at.least(4);
      expect(violations).to.be.at.least(1);
    });

    it("treats equal marginal prices as merit order", async () => {
      const f = await loadFixture(deployFixture);
      await f.tdva.trigger(await triggerParams({ requestedW: 50_000n }));
      const signedAt = BigInt(await time.latest());
      const seg = { capacityW: 40_000n, pricePerKWh: 70_000n };
      const names: Name[] = ["n1", "n5"];
      const offers = await Promise.all(
        names.map(async (n) =>
          signOffer(f.tdva, f.signers[n], 1n, {
            provider: await f.signers[n].getAddress(),
            maxPowerW: 40_000n,
            maxEnergyWh: 40_000n,
            signedAt,
            segments: [seg],
          }),
        ),
      );
      const sorted = byProvider(offers);
      await expect(f.tdva.dispatch(1n, sorted, [10_000n, 40_000n], SAFETY_HASH, "", true)).to.emit(
        f.tdva,
        "TdvaDispatched",
      );
    });

    it("reverts with TdvaOverBudget when the allocations cost more than the budget", async () => {
      const f = await loadFixture(deployFixture);
      await f.tdva.trigger(await triggerParams({ budget: 6_399_999n }));
      const signedAt = BigInt(await time.latest());
      const rows = byProvider(
        await Promise.all(
          NAMES.map(async (n) => {
            const terms = termsFor(n, await f.signers[n].getAddress(), signedAt);
            return {
              provider: terms.provider,
              n,
              offer: await signOffer(f.tdva, f.signers[n], 1n, terms),
              terms,
            };
          }),
        ),
      );
      const alloc: Record<Name, bigint> = { n1: 20_000n, n2: 30_000n, n5: 30_000n, n6: 40_000n };
      const total = rows.reduce((s, r) => s + costOf(r.terms, alloc[r.n], DURATION), 0n);
      expect(total).to.equal(6_400_000n);
      await expect(
        f.tdva.dispatch(
          1n,
          rows.map((r) => r.offer),
          rows.map((r) => alloc[r.n]),
          SAFETY_HASH,
          "",
          true,
        ),
      )
        .to.be.revertedWithCustomError(f.tdva, "TdvaOverBudget")
        .withArgs(1n, 6_400_000n, 6_399_999n);
    });
  });

  describe("trigger", () => {
    it("reverts with AccessControlUnauthorizedAccount when a non-operator triggers", async () => {
      const f = await loadFixture(deployFixture);
      await expect(f.tdva.connect(f.stranger).trigger(await triggerParams()))
        .to.be.revertedWithCustomError(f.tdva, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, await f.tdva.OPERATOR_ROLE());
    });

    it("reverts on an unspecified reason, zero request, zero budget and a bad schedule", async () => {
      const f = await loadFixture(deployFixture);
      await expect(
        f.tdva.trigger(await triggerParams({ reason: 0 })),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaInvalidReason");
      await expect(
        f.tdva.trigger(await triggerParams({ requestedW: 0n })),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaZeroRequest");
      await expect(
        f.tdva.trigger(await triggerParams({ budget: 0n })),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaZeroBudget");
      const p = await triggerParams();
      await expect(f.tdva.trigger({ ...p, start: p.quoteDeadline - 1n }))
        .to.be.revertedWithCustomError(f.tdva, "TdvaInvalidSchedule")
        .withArgs(p.quoteDeadline, p.quoteDeadline - 1n, DURATION);
      await expect(f.tdva.trigger({ ...p, duration: 0n }))
        .to.be.revertedWithCustomError(f.tdva, "TdvaInvalidSchedule")
        .withArgs(p.quoteDeadline, p.start, 0n);
    });

    it("pulls the budget with an EIP-2612 permit in the same transaction", async () => {
      const f = await loadFixture(deployFixture);
      await f.token.approve(await f.tdva.getAddress(), 0n);
      const params = await triggerParams();
      const deadline = BigInt(await time.latest()) + 600n;
      const { chainId } = await ethers.provider.getNetwork();
      const sig = ethers.Signature.from(
        await f.operator.signTypedData(
          {
            name: "GridLedger Token",
            version: "1",
            chainId,
            verifyingContract: await f.token.getAddress(),
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
            owner: f.operator.address,
            spender: await f.tdva.getAddress(),
            value: BUDGET,
            nonce: await f.token.nonces(f.operator.address),
            deadline,
          },
        ),
      );
      await expect(f.tdva.triggerWithPermit(params, deadline, sig.v, sig.r, sig.s))
        .to.emit(f.tdva, "TdvaTriggered")
        .withArgs(1n, FEEDER, anyValue, anyValue);
      expect(await f.tdva.lockedBudgets()).to.equal(BUDGET);
    });

    it("applies the tolerance band set by the operator to later events only", async () => {
      const f = await loadFixture(deployFixture);
      await f.tdva.trigger(await triggerParams());
      await expect(f.tdva.setToleranceBand(1_000))
        .to.emit(f.tdva, "ToleranceBandSet")
        .withArgs(1_000);
      await f.tdva.trigger(await triggerParams());
      expect((await f.tdva.tdvaChain(1n))[0].toleranceBps).to.equal(500n);
      expect((await f.tdva.tdvaChain(2n))[0].toleranceBps).to.equal(1_000n);
      await expect(f.tdva.setToleranceBand(10_001))
        .to.be.revertedWithCustomError(f.tdva, "TdvaInvalidToleranceBand")
        .withArgs(10_001);
      await expect(f.tdva.connect(f.stranger).setToleranceBand(1)).to.be.revertedWithCustomError(
        f.tdva,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("verify from proven meter readings (permissionless, hostile callers)", () => {
    async function windowOver() {
      const f = await loadFixture(dispatchedFixture);
      await time.increaseTo(f.params.start + DURATION);
      const o = ordered(f);
      const rows = o.lines.map((l, index) => ({
        index,
        provider: l.provider,
        deliveredWh: DELIVERED[o.names[index]!],
      }));
      return { ...f, o, rows };
    }

    it("measures each provider from its baseline and event readings; anyone verifies", async () => {
      const f = await windowOver();
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows, false);
      const tx = f.tdva.connect(f.stranger).reportEventReadings(1n, f.o.lines, entries);
      for (const r of f.rows) {
        await expect(tx)
          .to.emit(f.tdva, "ResponseMeasured")
          .withArgs(
            1n,
            r.provider,
            entries[r.index]!.baseline.reading.meter,
            entries[r.index]!.baseline.batchId,
            entries[r.index]!.during.batchId,
            r.deliveredWh - 50_000n,
            -50_000n,
            r.deliveredWh,
          );
        expect(await f.tdva.measurementOf(1n, r.index)).to.equal(r.deliveredWh + 1n);
      }
      await expect(f.tdva.connect(f.stranger).verify(1n))
        .to.emit(f.tdva, "TdvaVerified")
        .withArgs(
          1n,
          anyValue,
          anyValue,
          f.rows.map((r) => r.deliveredWh),
        );
      const [, , v] = await f.tdva.tdvaChain(1n);
      expect(v.reporter).to.equal(f.stranger.address);
      expect(v.deliveredWh).to.equal(f.rows.reduce((s, r) => s + r.deliveredWh, 0n));
    });

    it("accepts readings in several calls by different callers, each provider once (replays refused)", async () => {
      const f = await windowOver();
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows, false);
      await f.tdva.connect(f.signers.n1).reportEventReadings(1n, f.o.lines, entries.slice(0, 2));
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, entries.slice(1, 2)))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAlreadyMeasured")
        .withArgs(1n, 1n);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, [entries[2]!, entries[2]!]))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAlreadyMeasured")
        .withArgs(1n, 2n);
      // A fresh, larger pair of readings for a measured provider is refused too.
      const again = await f.head.proveTdva(
        f.tdva,
        1n,
        [{ ...f.rows[0]!, deliveredWh: 99_999n }],
        false,
      );
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, again))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAlreadyMeasured")
        .withArgs(1n, 0n);
      await f.tdva.connect(f.stranger).reportEventReadings(1n, f.o.lines, entries.slice(2));
      await f.tdva.verify(1n);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, entries.slice(0, 1)))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 3, 2);
    });

    it("refuses foreign, misplaced, cross-meter, forged and untrusted readings, and altered lines", async () => {
      const f = await windowOver();
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows, false);
      // Provider 0's readings offered as provider 1's.
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, [{ ...entries[0]!, index: 1n }]))
        .to.be.revertedWithCustomError(f.tdva, "TdvaReadingNotProvider")
        .withArgs(1n, 1n, f.rows[0]!.provider);
      // Baseline and event swapped.
      const swapped = {
        ...entries[0]!,
        baseline: entries[0]!.during,
        during: entries[0]!.baseline,
      };
      const baselineId = await f.tdva.windowPeriodId(1n, protocol.MeterWindow.Baseline);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, [swapped]))
        .to.be.revertedWithCustomError(f.tdva, "TdvaReadingWrongWindow")
        .withArgs(1n, 0n, entries[0]!.during.reading.periodId, baselineId);
      // A market period's reading (period 1) is not an event window.
      const market = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), false, {
        during: { periodId: 1n },
      });
      const eventWindow = await f.tdva.windowPeriodId(1n, protocol.MeterWindow.Event);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, market))
        .to.be.revertedWithCustomError(f.tdva, "TdvaReadingWrongWindow")
        .withArgs(1n, 0n, 1n, eventWindow);
      // Another event's window (event 2 of this registry) is refused for event 1.
      const other = await f.tdva.windowPeriodId(2n, protocol.MeterWindow.Event);
      const foreign = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), false, {
        during: { periodId: other },
      });
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, foreign))
        .to.be.revertedWithCustomError(f.tdva, "TdvaReadingWrongWindow")
        .withArgs(1n, 0n, other, eventWindow);
      // The event reading from another device than the baseline.
      const mixed = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), false, {
        during: { meter: TestMeteringHead.unboundDevice("second meter") },
      });
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, mixed))
        .to.be.revertedWithCustomError(f.tdva, "TdvaReadingMetersDiffer")
        .withArgs(1n, 0n);
      // Signed by someone else than the meter.
      const forger = TestMeteringHead.unboundDevice("forger");
      const forged = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), false, {
        during: { signer: forger },
      });
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, forged)).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringBadSignature",
      );
      // The gateway's comparison did not trust the event reading.
      const untrusted = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), false, {
        during: { verdict: protocol.ReadingVerdict.Untrusted },
      });
      await expect(
        f.tdva.reportEventReadings(1n, f.o.lines, untrusted),
      ).to.be.revertedWithCustomError(f.ledger, "MeteringReadingUntrusted");
      // No such provider index; lines that are not the dispatch's.
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, [{ ...entries[0]!, index: 4n }]))
        .to.be.revertedWithCustomError(f.tdva, "TdvaBadProviderIndex")
        .withArgs(1n, 4n, 4n);
      const altered = f.o.lines.map((l, i) => (i === 0 ? { ...l, allocationW: 1n } : l));
      await expect(f.tdva.reportEventReadings(1n, altered, entries))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationsMismatch")
        .withArgs(1n);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines.slice(1), entries))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationsMismatch")
        .withArgs(1n);
      // Nothing of the refused calls was stored.
      for (const r of f.rows) expect(await f.tdva.measurementOf(1n, r.index)).to.equal(0n);
    });

    it("counts a response in the wrong direction as 0 Wh delivered", async () => {
      const f = await windowOver();
      // More injection during an event that asked for less.
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows.slice(0, 1), true);
      await expect(f.tdva.reportEventReadings(1n, f.o.lines, entries))
        .to.emit(f.tdva, "ResponseMeasured")
        .withArgs(1n, f.rows[0]!.provider, anyValue, anyValue, anyValue, -50_000n, anyValue, 0n);
      expect(await f.tdva.measurementOf(1n, 0n)).to.equal(1n);
    });

    it("refuses verify with a provider missing; after the deadline verifyWithMissing counts it 0", async () => {
      const f = await windowOver();
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows, false);
      await f.tdva.reportEventReadings(1n, f.o.lines, [entries[0]!, entries[1]!, entries[3]!]);
      const deadline = f.params.start + DURATION + (await f.tdva.VERIFY_GRACE());
      await expect(f.tdva.connect(f.stranger).verify(1n))
        .to.be.revertedWithCustomError(f.tdva, "TdvaMeasurementMissing")
        .withArgs(1n, 2n, deadline);
      // The operator has no way round it either, and nobody may count it 0 before the deadline.
      await expect(f.tdva.verify(1n)).to.be.revertedWithCustomError(
        f.tdva,
        "TdvaMeasurementMissing",
      );
      await expect(f.tdva.verifyWithMissing(1n, f.o.lines))
        .to.be.revertedWithCustomError(f.tdva, "TdvaVerifyDeadlineNotReached")
        .withArgs(1n, deadline);
      await time.increaseTo(deadline);
      await expect(f.tdva.verify(1n)).to.be.revertedWithCustomError(
        f.tdva,
        "TdvaMeasurementMissing",
      );
      await expect(f.tdva.verifyWithMissing(1n, f.o.lines.slice(1))).to.be.revertedWithCustomError(
        f.tdva,
        "TdvaAllocationsMismatch",
      );
      const delivered = f.rows.map((r) => (r.index === 2 ? 0n : r.deliveredWh));
      await expect(f.tdva.connect(f.stranger).verifyWithMissing(1n, f.o.lines))
        .to.emit(f.tdva, "TdvaVerified")
        .withArgs(1n, anyValue, anyValue, delivered);
      await f.tdva.settle(1n, f.o.lines, delivered);
      expect(await f.tdva.balanceOf(f.rows[2]!.provider)).to.equal(0n);
      const [, , , a] = await f.tdva.tdvaChain(1n);
      expect(a.paid + a.refund).to.equal(BUDGET);
      expect(await f.tdva.totalBalances()).to.equal(BUDGET);
    });

    it("holds the event while a missing provider's untrusted reading is disputed, until it is resolved", async () => {
      const f = await windowOver();
      const entries = await f.head.proveTdva(f.tdva, 1n, f.rows, false);
      await f.tdva.reportEventReadings(1n, f.o.lines, [entries[0]!, entries[1]!, entries[3]!]);
      // Provider 2's event reading was judged untrusted by the gateway; it disputes that.
      const [untrusted] = await f.head.proveTdva(f.tdva, 1n, [f.rows[2]!], false, {
        during: { verdict: protocol.ReadingVerdict.Untrusted },
      });
      await expect(
        f.tdva.reportEventReadings(1n, f.o.lines, [untrusted!]),
      ).to.be.revertedWithCustomError(f.ledger, "MeteringReadingUntrusted");
      const d = untrusted!.during;
      await f.ledger
        .connect(f.signers.n1)
        .openDispute(d.batchId, d.reading, d.signature, d.proof, "bafy-device-log");
      await expect(
        f.tdva.reportEventReadings(1n, f.o.lines, [untrusted!]),
      ).to.be.revertedWithCustomError(f.ledger, "MeteringReadingDisputed");
      await time.increaseTo(f.params.start + DURATION + (await f.tdva.VERIFY_GRACE()));
      await expect(f.tdva.verifyWithMissing(1n, f.o.lines))
        .to.be.revertedWithCustomError(f.tdva, "TdvaProviderDisputed")
        .withArgs(1n, 2n, f.rows[2]!.provider);
      // The resolver accepts the reading: it now proves, and the event verifies with everyone.
      await f.ledger.resolveDispute(await f.ledger.leafOf(d.reading), true, "bafy-reasons");
      await f.tdva.reportEventReadings(1n, f.o.lines, [untrusted!]);
      await expect(f.tdva.verify(1n))
        .to.emit(f.tdva, "TdvaVerified")
        .withArgs(
          1n,
          anyValue,
          anyValue,
          f.rows.map((r) => r.deliveredWh),
        );
    });
  });

  describe("funded events", () => {
    it("pulls the budget from the funder and credits its refund and the penalties back to it, not the operator", async () => {
      const f = await loadFixture(deployFixture);
      const [funder] = (await ethers.getSigners()).slice(9);
      await f.token.mint(funder!.address, BUDGET);
      await f.token.connect(funder!).approve(await f.tdva.getAddress(), BUDGET);
      const params = await triggerParams();
      const operatorBefore = await f.token.balanceOf(f.operator.address);
      await expect(f.tdva.triggerFundedBy(params, funder!.address))
        .to.emit(f.tdva, "TdvaFunded")
        .withArgs(1n, funder!.address);
      expect(await f.token.balanceOf(funder!.address)).to.equal(0n);
      expect(await f.token.balanceOf(f.operator.address)).to.equal(operatorBefore);
      expect(await f.tdva.funderOf(1n)).to.equal(funder!.address);
      // Offers, dispatch, proven readings (n6 under-delivers), verify, settle.
      const signedAt = BigInt(await time.latest());
      const offers = {} as Record<Name, SignedOffer>;
      for (const name of NAMES)
        offers[name] = await signOffer(
          f.tdva,
          f.signers[name],
          1n,
          termsFor(name, await f.signers[name].getAddress(), signedAt),
        );
      const allocation: Record<Name, bigint> = {
        n1: 20_000n,
        n2: 30_000n,
        n5: 30_000n,
        n6: 40_000n,
      };
      const rows = byProvider(NAMES.map((name) => ({ name, provider: offers[name].provider })));
      await f.tdva.dispatch(
        1n,
        rows.map((r) => offers[r.name]),
        rows.map((r) => allocation[r.name]),
        SAFETY_HASH,
        "",
        true,
      );
      await time.increaseTo(params.start + DURATION);
      const lines = rows.map((r) => ({
        provider: offers[r.name].provider,
        allocationW: allocation[r.name],
        segments: offers[r.name].segments,
      }));
      const delivered = rows.map((r) => DELIVERED[r.name]);
      await measureAndVerify(f, 1n, lines, delivered);
      await f.tdva.connect(f.stranger).settle(1n, lines, delivered);
      const [, , , a] = await f.tdva.tdvaChain(1n);
      expect(a.penalties).to.be.greaterThan(0n);
      expect(await f.tdva.balanceOf(funder!.address)).to.equal(a.refund);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(0n);
      expect(a.paid + a.refund).to.equal(BUDGET);
    });

    it("refuses a zero funder, a funder without allowance and a non-operator caller", async () => {
      const f = await loadFixture(deployFixture);
      const params = await triggerParams();
      await expect(
        f.tdva.triggerFundedBy(params, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.tdva, "TdvaZeroFunder");
      await expect(
        f.tdva.triggerFundedBy(params, f.stranger.address),
      ).to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance");
      await expect(
        f.tdva.connect(f.stranger).triggerFundedBy(params, f.stranger.address),
      ).to.be.revertedWithCustomError(f.tdva, "AccessControlUnauthorizedAccount");
      expect(await f.tdva.eventCount()).to.equal(0n);
      // A cancelled funded event refunds the funder too.
      const [funder] = (await ethers.getSigners()).slice(9);
      await f.token.mint(funder!.address, BUDGET);
      await f.token.connect(funder!).approve(await f.tdva.getAddress(), BUDGET);
      await f.tdva.triggerFundedBy(params, funder!.address);
      await f.tdva.cancel(1n);
      expect(await f.tdva.balanceOf(funder!.address)).to.equal(BUDGET);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(0n);
    });
  });

  describe("cancel", () => {
    it("lets the operator cancel a triggered event and credits the whole budget back", async () => {
      const f = await loadFixture(triggeredFixture);
      await expect(f.tdva.cancel(1n))
        .to.emit(f.tdva, "TdvaCancelled")
        .withArgs(1n, f.operator.address, BUDGET);
      expect(await f.tdva.lockedBudgets()).to.equal(0n);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(BUDGET);
      await expectStage(f.tdva, 5);
      expect(await f.tdva.checkLinks(1n)).to.deep.equal([true, 1n]);
      const [, , , , hashes] = await f.tdva.tdvaChain(1n);
      expect(hashes[1]).to.equal(ethers.ZeroHash);
      const o = ordered(f);
      await expect(f.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 5, 1);
    });

    it("reverts with TdvaCancelNotAllowed for a stranger before the start, and lets anyone cancel after it", async () => {
      const f = await loadFixture(triggeredFixture);
      await expect(f.tdva.connect(f.stranger).cancel(1n))
        .to.be.revertedWithCustomError(f.tdva, "TdvaCancelNotAllowed")
        .withArgs(1n, f.stranger.address, f.params.start);
      await time.increaseTo(f.params.start);
      await expect(f.tdva.connect(f.stranger).cancel(1n))
        .to.emit(f.tdva, "TdvaCancelled")
        .withArgs(1n, f.stranger.address, BUDGET);
      expect(await f.tdva.balanceOf(f.operator.address)).to.equal(BUDGET);
    });

    it("reverts with TdvaUnexpectedStage when a dispatched event is cancelled", async () => {
      const f = await loadFixture(dispatchedFixture);
      await expect(f.tdva.cancel(1n))
        .to.be.revertedWithCustomError(f.tdva, "TdvaUnexpectedStage")
        .withArgs(1n, 2, 1);
    });
  });

  describe("verify and settle", () => {
    it("reverts with TdvaDeliveryCountMismatch when settle omits a provider's delivery", async () => {
      const f = await loadFixture(verifiedFixture);
      const o = ordered(f);
      await expect(f.tdva.settle(1n, o.lines, f.delivered.slice(1)))
        .to.be.revertedWithCustomError(f.tdva, "TdvaDeliveryCountMismatch")
        .withArgs(1n, 3n, 4n);
    });

    it("reverts with TdvaAllocationsMismatch and TdvaDeliveriesMismatch on altered settlement data", async () => {
      const f = await loadFixture(verifiedFixture);
      const o = ordered(f);
      const lines = o.lines.map((l, i) =>
        i === 0 ? { ...l, allocationW: l.allocationW + 1n } : l,
      );
      await expect(f.tdva.settle(1n, lines, f.delivered))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationsMismatch")
        .withArgs(1n);
      const cheaper = o.lines.map((l, i) =>
        i === 1 ? { ...l, segments: l.segments.map((s) => s + 1n) } : l,
      );
      await expect(f.tdva.settle(1n, cheaper, f.delivered))
        .to.be.revertedWithCustomError(f.tdva, "TdvaAllocationsMismatch")
        .withArgs(1n);
      const inflated = f.delivered.map((d, i) => (i === 2 ? d + 1n : d));
      await expect(f.tdva.settle(1n, o.lines, inflated))
        .to.be.revertedWithCustomError(f.tdva, "TdvaDeliveriesMismatch")
        .withArgs(1n);
    });

    it("conserves every budget exactly over seeded random deliveries (differential against the reference)", async () => {
      const base = await loadFixture(triggeredFixture);
      const o = ordered(base);
      let seed = 0x2024n;
      const random = (bound: bigint) => {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
        return (seed >> 16n) % bound;
      };
      await base.tdva.dispatch(1n, o.offers, o.allocations, SAFETY_HASH, "", true);
      let snapshot = await ethers.provider.send("evm_snapshot", []);
      for (let round = 0; round < 6; round++) {
        await ethers.provider.send("evm_revert", [snapshot]);
        snapshot = await ethers.provider.send("evm_snapshot", []);
        await time.increaseTo(base.params.start + DURATION + BigInt(round));
        // Deliveries between 0 and 120 % of the allocation's energy.
        const delivered = o.allocations.map((w) => random((w * 12n) / 10n + 1n));
        await measureAndVerify(base, 1n, o.lines, delivered);
        const before = await Promise.all(o.lines.map((l) => base.tdva.balanceOf(l.provider)));
        await base.tdva.settle(1n, o.lines, delivered);
        let paid = 0n;
        for (const [i, l] of o.lines.entries()) {
          const ref = settleReference(
            base.terms[o.names[i]!],
            l.allocationW,
            DURATION,
            delivered[i]!,
            500n,
          );
          const credited = (await base.tdva.balanceOf(l.provider)) - before[i]!;
          expect(credited).to.equal(ref.net);
          expect(ref.net).to.be.at.most(costOf(base.terms[o.names[i]!], l.allocationW, DURATION));
          paid += credited;
        }
        const [, , , a] = await base.tdva.tdvaChain(1n);
        expect(a.paid).to.equal(paid);
        expect(a.paid + a.refund).to.equal(BUDGET);
        expect(await base.tdva.totalBalances()).to.equal(BUDGET);
        expect(await base.tdva.lockedBudgets()).to.equal(0n);
      }
    });
  });
});

/** A struct read from the contract as a plain object (typechain's output types omit `toObject`). */
function structOf<T>(output: T): T {
  return (output as unknown as Result).toObject() as T;
}
