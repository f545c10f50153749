// Differential tests of the protocol package: every encoder, hash, typed-data definition and
// generated constant against the contracts' own pure functions and getters, on seeded random
// inputs (fast-check, fixed seed).
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { hashTypedData, type Address, type Hex } from "viem";
import { deployGridTokenFixture } from "../helpers/fixtures";
import { protocol } from "../helpers/protocol";
import type { MarketLibrariesHarness } from "../../typechain-types";
import { deployProxied } from "../../scripts/deploy/proxy";

const RUNS = { seed: 3, numRuns: 40 };
const u = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const hex32 = u(256).map((v) => ethers.toBeHex(v, 32) as Hex);
const address = u(160).map((v) => ethers.getAddress(ethers.toBeHex(v, 20)) as Address);
const cid = fc.string({ maxLength: 60 });

async function deployAll() {
  const { token, operator } = await deployGridTokenFixture();
  const op = operator.address;
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [op]);
  const wiring = [await token.getAddress(), await registry.getAddress()];
  const ledger = await deployProxied(ethers, "MeteringLedger", [wiring[1]], [op]);
  const market = await deployProxied(
    ethers,
    "EnergyMarket",
    [...wiring, await ledger.getAddress()],
    [op],
  );
  const dispatch = await deployProxied(
    ethers,
    "DispatchRegistry",
    [...wiring, await ledger.getAddress()],
    [op],
  );
  const readings = await deployProxied(ethers, "MeterReadings", [wiring[1]], [op]);
  const harness = (await (
    await ethers.getContractFactory("MarketLibrariesHarness")
  ).deploy()) as unknown as MarketLibrariesHarness;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  return { market, registry, dispatch, readings, ledger, harness, chainId };
}

describe("protocol package against the contracts", function () {
  it("generated constants equal the contracts' public getters", async function () {
    const { market, registry, dispatch, readings } = await loadFixture(deployAll);
    const c = protocol.constants;
    expect(await market.UNIT()).to.equal(BigInt(c.EnergyMarket.UNIT));
    expect(await market.CHECKPOINT_INTERVAL()).to.equal(BigInt(c.EnergyMarket.CHECKPOINT_INTERVAL));
    expect(await market.MAX_INTERVALS_PER_PERIOD()).to.equal(
      BigInt(c.EnergyMarket.MAX_INTERVALS_PER_PERIOD),
    );
    expect(await market.OPERATOR_ROLE()).to.equal(c.EnergyMarket.OPERATOR_ROLE);
    expect(await dispatch.OFFER_TYPEHASH()).to.equal(c.DispatchRegistry.OFFER_TYPEHASH);
    expect(await dispatch.MAX_PROVIDERS()).to.equal(BigInt(c.DispatchRegistry.MAX_PROVIDERS));
    expect(await registry.METER_CERTIFICATE_TYPEHASH()).to.equal(
      c.ParticipantRegistry.METER_CERTIFICATE_TYPEHASH,
    );
    for (const role of [
      "AGGREGATOR_ROLE",
      "AUDITOR_ROLE",
      "METER_ROLE",
      "PROSUMER_ROLE",
    ] as const) {
      expect(await registry[role]()).to.equal(c.ParticipantRegistry[role]);
    }
    expect(await readings.READING_TYPEHASH()).to.equal(c.MeterReadings.READING_TYPEHASH);
  });

  it("generated enums decode what the contracts store", async function () {
    const { registry } = await loadFixture(deployAll);
    const [, applicant] = await ethers.getSigners();
    const kind = protocol.ParticipantKind.Storage;
    await registry
      .connect(applicant!)
      .applyAsParticipant(kind, false, 1, 2, ethers.id("details"), "bafy-details");
    const p = await registry.participant(applicant!.address);
    expect(p.kind).to.equal(BigInt(kind));
    expect(p.status).to.equal(BigInt(protocol.ParticipantStatus.Applied));
    expect(protocol.ParticipantKindNames[Number(p.kind)]).to.equal("Storage");
  });

  it("EIP-712 typed data hashes to the contracts' digests (offer, meter certificate)", async function () {
    const { dispatch, registry, chainId } = await loadFixture(deployAll);
    const dispatchAddress = (await dispatch.getAddress()) as Address;
    const registryAddress = (await registry.getAddress()) as Address;
    await fc.assert(
      fc.asyncProperty(
        u(64),
        address,
        u(32),
        u(64),
        u(40),
        fc.array(u(96), { minLength: 1, maxLength: 8 }),
        address,
        u(64),
        u(256),
        async (
          eventId,
          provider,
          maxPowerW,
          maxEnergyWh,
          signedAt,
          segments,
          meter,
          expiry,
          nonce,
        ) => {
          const offer = protocol.offerTypedData(chainId, dispatchAddress);
          const message = {
            eventId,
            provider,
            maxPowerW: Number(maxPowerW),
            maxEnergyWh,
            signedAt: Number(signedAt),
            segments,
          };
          expect(hashTypedData({ ...offer, message })).to.equal(
            await dispatch.offerDigest(
              eventId,
              provider,
              maxPowerW,
              maxEnergyWh,
              signedAt,
              segments,
            ),
          );
          const cert = protocol.meterCertificateTypedData(chainId, registryAddress);
          expect(
            hashTypedData({ ...cert, message: { meter, participant: provider, expiry, nonce } }),
          ).to.equal(await registry.meterCertificateDigest(meter, provider, expiry, nonce));
        },
      ),
      RUNS,
    );
  });

  it("metering leaf and reading typed data equal MeteringLedger.leafOf / readingDigest for any reading", async function () {
    const { ledger, chainId } = await loadFixture(deployAll);
    const ledgerAddress = (await ledger.getAddress()) as Address;
    expect(await ledger.METER_READING_TYPEHASH()).to.equal(
      protocol.constants.MeteringLedger.METER_READING_TYPEHASH,
    );
    await fc.assert(
      fc.asyncProperty(
        address,
        address,
        u(256),
        u(64),
        u(64),
        u(64),
        fc.constantFrom(protocol.ReadingVerdict.Trusted, protocol.ReadingVerdict.Untrusted),
        async (meter, participant, periodId, producedWh, consumedWh, sequence, verdict) => {
          const reading = {
            meter,
            participant,
            periodId,
            producedWh,
            consumedWh,
            sequence,
            verdict,
          };
          expect(protocol.meterReadingLeaf(reading)).to.equal(await ledger.leafOf(reading));
          expect(
            hashTypedData(protocol.meteringReadingTypedData(chainId, ledgerAddress, reading)),
          ).to.equal(await ledger.readingDigest(meter, periodId, producedWh, consumedWh, sequence));
        },
      ),
      RUNS,
    );
  });

  it("market record packing equals EnergyMarket.packMatch / packUnmatched, and the record chain RecordChain.fold", async function () {
    const { market, harness } = await loadFixture(deployAll);
    await fc.assert(
      fc.asyncProperty(u(64), u(32), u(32), u(40), u(40), async (interval, s, b, q, p) => {
        const sellId = (interval << 32n) | s;
        const buyId = (interval << 32n) | b;
        const m = protocol.packMatchRecord(sellId, buyId, q, p);
        expect(m).to.equal(await market.packMatch(sellId, buyId, q, p));
        const r = protocol.packUnmatchedRecord(sellId, q);
        expect(r).to.equal(await market.packUnmatched(sellId, q));
        expect(protocol.isUnmatchedRecord(r)).to.equal(true);
        expect(protocol.isUnmatchedRecord(m)).to.equal(false);
        expect(protocol.recordChainHash([m, r])).to.equal(
          await harness.fold(ethers.ZeroHash, [m, r]),
        );
      }),
      RUNS,
    );
  });

  it("TDVA record hashes equal DispatchRegistry's pure hash functions for any record", async function () {
    const { dispatch, chainId } = await loadFixture(deployAll);
    const trigger = fc.record({
      prev: hex32,
      operator: address,
      stage: fc.integer({ min: 0, max: 5 }),
      reason: fc.integer({ min: 0, max: 6 }),
      feederId: u(32).map(Number),
      createdAt: u(40).map(Number),
      requestedW: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      start: u(40).map(Number),
      duration: u(32).map(Number),
      quoteDeadline: u(40).map(Number),
      toleranceBps: u(16).map(Number),
      budget: u(128),
      dataHash: hex32,
      dataCid: cid,
    });
    const dispatched = fc.record({
      prev: hex32,
      allocationsHash: hex32,
      safetyReportHash: hex32,
      cost: u(128),
      allocatedW: u(64),
      providerCount: u(16).map(Number),
      meritOrder: fc.boolean(),
      dispatchedAt: u(40).map(Number),
      safetyReportCid: cid,
    });
    const verified = fc.record({
      prev: hex32,
      deliveriesHash: hex32,
      meterDataHash: hex32,
      deliveredWh: u(64),
      verifiedAt: u(40).map(Number),
      reporter: address,
      meterDataCid: cid,
    });
    const settled = fc.record({
      prev: hex32,
      paymentsHash: hex32,
      paid: u(128),
      penalties: u(128),
      refund: u(128),
      settledAt: u(40).map(Number),
    });
    await fc.assert(
      fc.asyncProperty(trigger, dispatched, verified, settled, async (t, d, v, a) => {
        expect(protocol.hashTrigger(t)).to.equal(await dispatch.hashTrigger(t));
        expect(protocol.hashDispatch(d)).to.equal(await dispatch.hashDispatch(d));
        expect(protocol.hashVerify(v)).to.equal(await dispatch.hashVerify(v));
        expect(protocol.hashSettle(a)).to.equal(await dispatch.hashSettle(a));
      }),
      RUNS,
    );
    // The genesis link, checked through checkLinks on a real event is in DispatchRegistry.test.ts;
    // here against its definition with this chain's id.
    const registry = (await dispatch.getAddress()) as Address;
    expect(protocol.genesisLink(chainId, registry, 1n)).to.equal(
      ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["uint256", "address", "uint256"],
          [chainId, registry, 1n],
        ),
      ),
    );
  });
});
