import { expect } from "chai";
import { ethers } from "hardhat";
import { deployProxied } from "../../scripts/deploy/proxy";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { deployMarketFixture } from "../market/marketFixtures";
import { TestMeteringHead } from "../helpers/provenReadings";
import { protocol } from "../helpers/protocol";

/** The market fixture's registry and ledger, with two participants whose devices are bound. */
async function ledgerFixture() {
  const f = await deployMarketFixture();
  const [alice, bob] = f.renewables;
  return { ...f, alice: alice!, bob: bob! };
}

const ROOT = ethers.id("a root");

describe("MeteringLedger", () => {
  describe("anchoring batches", () => {
    it("refuses zero constructor addresses", async () => {
      const factory = await ethers.getContractFactory("MeteringLedger");
      const [op] = await ethers.getSigners();
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "MeteringZeroAddress",
      );
      await expect(
        deployProxied(ethers, "MeteringLedger", [op!.address], [ethers.ZeroAddress]),
      ).to.be.revertedWithCustomError(factory, "MeteringZeroAddress");
    });

    it("anchors a batch under GATEWAY_ROLE with sequential ids and emits BatchAnchored", async () => {
      const { ledger, operator } = await loadFixture(ledgerFixture);
      await expect(ledger.anchorBatch(ROOT, 3, "bafy-batch"))
        .to.emit(ledger, "BatchAnchored")
        .withArgs(1n, ROOT, operator.address, 3n, "bafy-batch");
      const batch = await ledger.getBatch(1n);
      expect([batch.root, batch.gateway, batch.readingCount]).to.deep.equal([
        ROOT,
        operator.address,
        3n,
      ]);
      expect(await ledger.batchIdOf(ROOT)).to.equal(1n);
      expect(await ledger.batchCount()).to.equal(1n);
      await ledger.anchorBatch(ethers.id("another"), 1, "");
      expect(await ledger.batchCount()).to.equal(2n);
    });

    it("refuses strangers, an empty root or count, and a root anchored before", async () => {
      const { ledger, operator, stranger } = await loadFixture(ledgerFixture);
      const gatewayRole = await ledger.GATEWAY_ROLE();
      await expect(ledger.connect(stranger).anchorBatch(ROOT, 1, ""))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, gatewayRole);
      await expect(ledger.anchorBatch(ethers.ZeroHash, 1, "")).to.be.revertedWithCustomError(
        ledger,
        "MeteringEmptyRoot",
      );
      await expect(ledger.anchorBatch(ROOT, 0, "")).to.be.revertedWithCustomError(
        ledger,
        "MeteringNoReadings",
      );
      await ledger.anchorBatch(ROOT, 1, "");
      await expect(ledger.anchorBatch(ROOT, 1, "other cid"))
        .to.be.revertedWithCustomError(ledger, "MeteringRootAlreadyAnchored")
        .withArgs(ROOT, 1n);
      await expect(ledger.getBatch(2n))
        .to.be.revertedWithCustomError(ledger, "MeteringUnknownBatch")
        .withArgs(2n);
      // Gateways are granted by the admin (after deployment: the alliance), not by other gateways.
      expect(await ledger.getRoleAdmin(gatewayRole)).to.equal(await ledger.DEFAULT_ADMIN_ROLE());
      await ledger.grantRole(gatewayRole, stranger.address);
      await ledger.connect(stranger).anchorBatch(ethers.id("aggregator batch"), 1, "");
      await expect(
        ledger.connect(stranger).grantRole(gatewayRole, operator.address),
      ).to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount");
    });
  });

  describe("proving one reading", () => {
    it("proves any reading of a 64-reading batch with a proof of 6 hashes", async () => {
      const { ledger, metering, renewables, consumers } = await loadFixture(ledgerFixture);
      const people = [...renewables, ...consumers];
      const entries = Array.from({ length: 64 }, (_, i) => ({
        periodId: BigInt(1 + Math.floor(i / people.length)),
        participant: people[i % people.length]!.address,
        produced: 100 * i,
        consumed: 7 * i,
      }));
      const b = await metering.prove(entries);
      for (const i of [0, 17, 63]) {
        expect(b.proofs[i]).to.have.length(6);
        await ledger.verifyReading(b.batchId, b.readings[i]!, b.signatures[i]!, b.proofs[i]!);
      }
      const tree = StandardMerkleTree.of(
        b.readings.map((r) => protocol.meterReadingLeafValues(r)),
        [...protocol.METER_READING_LEAF_TYPES],
      );
      expect((await ledger.getBatch(b.batchId)).root).to.equal(tree.root);
    });

    it("stops a revoked meter at once, and refuses a malformed signature and a swapped proof", async () => {
      const { ledger, registry, metering, alice, bob } = await loadFixture(ledgerFixture);
      const b = await metering.prove([
        { periodId: 1n, participant: alice.address, produced: 10, consumed: 0 },
        { periodId: 1n, participant: bob.address, produced: 20, consumed: 0 },
      ]);
      const [ra, rb] = b.readings;
      await ledger.verifyReading(b.batchId, ra!, b.signatures[0]!, b.proofs[0]!);
      // Bob's proof does not prove Alice's reading.
      await expect(ledger.verifyReading(b.batchId, ra!, b.signatures[0]!, b.proofs[1]!))
        .to.be.revertedWithCustomError(ledger, "MeteringNotInBatch")
        .withArgs(b.batchId, ra!.meter, 1n);
      // Bob's signature (over Bob's reading) attached to Alice's: it recovers to someone else.
      await expect(ledger.verifyReading(b.batchId, ra!, b.signatures[1]!, b.proofs[0]!))
        .to.be.revertedWithCustomError(ledger, "MeteringBadSignature")
        .withArgs(ra!.meter, anyValue);
      await expect(ledger.verifyReading(b.batchId, ra!, "0x1234", b.proofs[0]!))
        .to.be.revertedWithCustomError(ledger, "MeteringBadSignature")
        .withArgs(ra!.meter, ethers.ZeroAddress);
      await registry.connect(alice).revokeMeter(ra!.meter);
      await expect(ledger.verifyReading(b.batchId, ra!, b.signatures[0]!, b.proofs[0]!))
        .to.be.revertedWithCustomError(ledger, "MeteringMeterNotBound")
        .withArgs(ra!.meter, alice.address, ethers.ZeroAddress);
      await ledger.verifyReading(b.batchId, rb!, b.signatures[1]!, b.proofs[1]!);
    });

    it("refuses a reading of an unbound device even when a gateway anchored it", async () => {
      const { ledger, metering, alice } = await loadFixture(ledgerFixture);
      const stray = TestMeteringHead.unboundDevice("ledger test");
      const b = await metering.prove([
        { periodId: 1n, participant: alice.address, produced: 1, consumed: 0, meter: stray },
      ]);
      await expect(ledger.verifyReading(b.batchId, b.readings[0]!, b.signatures[0]!, b.proofs[0]!))
        .to.be.revertedWithCustomError(ledger, "MeteringMeterNotBound")
        .withArgs(stray.address, alice.address, ethers.ZeroAddress);
    });
  });
  describe("disputes over untrusted readings", () => {
    async function untrustedFixture() {
      const f = await ledgerFixture();
      const b = await f.metering.prove([
        { periodId: 3n, participant: f.alice.address, produced: 4_000, consumed: 0 },
        {
          periodId: 3n,
          participant: f.bob.address,
          produced: 9_000,
          consumed: 0,
          verdict: protocol.ReadingVerdict.Untrusted,
        },
      ]);
      const [stranger] = (await ethers.getSigners()).slice(18);
      const untrusted = [b.batchId, b.readings[1]!, b.signatures[1]!, b.proofs[1]!] as const;
      const disputeId = await f.ledger.leafOf(b.readings[1]!);
      return { ...f, b, untrusted, disputeId, stranger: stranger! };
    }

    it("lets anyone open a dispute with evidence; the reading is held until the resolver accepts it", async () => {
      const f = await loadFixture(untrustedFixture);
      await expect(f.ledger.verifyReading(...f.untrusted)).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringReadingUntrusted",
      );
      expect(await f.ledger.hasOpenDispute(f.bob.address, 3n)).to.equal(false);
      await expect(f.ledger.connect(f.stranger).openDispute(...f.untrusted, "bafy-device-log"))
        .to.emit(f.ledger, "DisputeOpened")
        .withArgs(
          f.disputeId,
          f.b.batchId,
          f.bob.address,
          3n,
          f.stranger.address,
          "bafy-device-log",
        );
      expect(await f.ledger.hasOpenDispute(f.bob.address, 3n)).to.equal(true);
      await expect(f.ledger.verifyReading(...f.untrusted))
        .to.be.revertedWithCustomError(f.ledger, "MeteringReadingDisputed")
        .withArgs(f.disputeId);
      await expect(f.ledger.connect(f.alice).addEvidence(f.disputeId, "bafy-counter"))
        .to.emit(f.ledger, "DisputeEvidence")
        .withArgs(f.disputeId, f.alice.address, "bafy-counter");
      // Only the resolver decides.
      await expect(
        f.ledger.connect(f.stranger).resolveDispute(f.disputeId, true, ""),
      ).to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount");
      await expect(f.ledger.resolveDispute(f.disputeId, true, "bafy-reasons"))
        .to.emit(f.ledger, "DisputeResolved")
        .withArgs(f.disputeId, true, f.operator.address, "bafy-reasons");
      await f.ledger.verifyReading(...f.untrusted);
      expect((await f.ledger.disputeOf(f.disputeId)).status).to.equal(2n); // Accepted
      expect(await f.ledger.hasOpenDispute(f.bob.address, 3n)).to.equal(false);
      // Resolved once: no second resolution, no more evidence, no second dispute.
      await expect(f.ledger.resolveDispute(f.disputeId, false, ""))
        .to.be.revertedWithCustomError(f.ledger, "MeteringDisputeNotOpen")
        .withArgs(f.disputeId);
      await expect(f.ledger.addEvidence(f.disputeId, "late")).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringDisputeNotOpen",
      );
      await expect(f.ledger.openDispute(...f.untrusted, ""))
        .to.be.revertedWithCustomError(f.ledger, "MeteringAlreadyDisputed")
        .withArgs(f.disputeId);
    });

    it("keeps a rejected or expired dispute's reading refused", async () => {
      const f = await loadFixture(untrustedFixture);
      await f.ledger.openDispute(...f.untrusted, "");
      await f.ledger.resolveDispute(f.disputeId, false, "bafy-reasons");
      await expect(f.ledger.verifyReading(...f.untrusted)).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringReadingUntrusted",
      );
      const g = await loadFixture(untrustedFixture);
      await g.ledger.openDispute(...g.untrusted, "");
      await time.increase(await g.ledger.RESOLVE_WINDOW());
      expect(await g.ledger.hasOpenDispute(g.bob.address, 3n)).to.equal(false);
      expect((await g.ledger.disputeOf(g.disputeId)).status).to.equal(3n); // Rejected
      await expect(g.ledger.resolveDispute(g.disputeId, true, "")).to.be.revertedWithCustomError(
        g.ledger,
        "MeteringDisputeNotOpen",
      );
      await expect(g.ledger.verifyReading(...g.untrusted)).to.be.revertedWithCustomError(
        g.ledger,
        "MeteringReadingUntrusted",
      );
    });

    it("refuses to dispute a trusted, forged, foreign-batch or late reading, and stores nothing", async () => {
      const f = await loadFixture(untrustedFixture);
      const trusted = [f.b.batchId, f.b.readings[0]!, f.b.signatures[0]!, f.b.proofs[0]!] as const;
      await expect(f.ledger.openDispute(...trusted, "")).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringNotDisputable",
      );
      await expect(
        f.ledger.openDispute(f.b.batchId, f.b.readings[1]!, f.b.signatures[0]!, f.b.proofs[1]!, ""),
      ).to.be.revertedWithCustomError(f.ledger, "MeteringBadSignature");
      await expect(
        f.ledger.openDispute(
          f.b.batchId,
          { ...f.b.readings[1]!, producedWh: 1n },
          f.b.signatures[1]!,
          f.b.proofs[1]!,
          "",
        ),
      ).to.be.revertedWithCustomError(f.ledger, "MeteringNotInBatch");
      await expect(
        f.ledger.openDispute(99n, f.b.readings[1]!, f.b.signatures[1]!, f.b.proofs[1]!, ""),
      )
        .to.be.revertedWithCustomError(f.ledger, "MeteringUnknownBatch")
        .withArgs(99n);
      await time.increase(await f.ledger.DISPUTE_WINDOW());
      await expect(f.ledger.openDispute(...f.untrusted, "")).to.be.revertedWithCustomError(
        f.ledger,
        "MeteringDisputeLate",
      );
      expect((await f.ledger.disputeOf(f.disputeId)).status).to.equal(0n);
      expect(await f.ledger.hasOpenDispute(f.bob.address, 3n)).to.equal(false);
    });
  });
});
