import { expect } from "chai";
import { ethers } from "hardhat";
import { protocol } from "../helpers/protocol";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ParticipantRegistry } from "../../typechain-types";
import {
  METER_CERTIFICATE_TYPES,
  meterCertificateDomain,
  signMeterCertificate,
} from "../../scripts/deploy/meterCertificate";
import { deployProxied } from "../../scripts/deploy/proxy";

const Kind = protocol.ParticipantKind;
/** ParticipantStatus as the typechain getters return it (bigint). */
const Status = Object.fromEntries(
  Object.entries(protocol.ParticipantStatus).map(([name, v]) => [name, BigInt(v)]),
) as { [K in keyof typeof protocol.ParticipantStatus]: bigint };
const DETAILS = ethers.keccak256(ethers.toUtf8Bytes('{"name":"roof PV 12"}'));
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const REASON = ethers.keccak256(ethers.toUtf8Bytes("incomplete grid connection papers"));

/** The application hash as IParticipantRegistry documents it, computed off-chain. */
function applicationHashOf(
  account: string,
  kind: number,
  renewable: boolean,
  feederId: number,
  busId: number,
  detailsHash: string,
  detailsCid: string,
): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "uint8", "bool", "uint32", "uint32", "bytes32", "string"],
      [account, kind, renewable, feederId, busId, detailsHash, detailsCid],
    ),
  );
}

async function deployRegistryFixture() {
  const [operator, alice, bob, meter, meter2, stranger] = await ethers.getSigners();
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator!.address]);
  return {
    registry,
    operator: operator!,
    alice: alice!,
    bob: bob!,
    meter: meter!,
    meter2: meter2!,
    stranger: stranger!,
  };
}

async function approvedFixture() {
  const f = await deployRegistryFixture();
  await f.registry.connect(f.alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
  await f.registry.approve(
    f.alice.address,
    await f.registry.PROSUMER_ROLE(),
    await f.registry.applicationHash(f.alice.address),
  );
  return f;
}

async function signCertificate(
  registry: ParticipantRegistry,
  signer: HardhatEthersSigner,
  meter: string,
  participant: string,
  expiry: bigint,
  nonce: bigint,
) {
  const { chainId } = await ethers.provider.getNetwork();
  return signMeterCertificate(signer, chainId, await registry.getAddress(), {
    meter,
    participant,
    expiry,
    nonce,
  });
}

describe("ParticipantRegistry", () => {
  describe("deployment", () => {
    it("gives the operator DEFAULT_ADMIN_ROLE and OPERATOR_ROLE and makes the operator admin of the participant roles", async () => {
      const { registry, operator } = await loadFixture(deployRegistryFixture);
      const operatorRole = await registry.OPERATOR_ROLE();
      expect(
        await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), operator.address),
      ).to.equal(true);
      expect(await registry.hasRole(operatorRole, operator.address)).to.equal(true);
      for (const name of [
        "AGGREGATOR_ROLE",
        "PROSUMER_ROLE",
        "METER_ROLE",
        "SUPPLIER_ROLE",
      ] as const) {
        const role = await registry[name]();
        expect(role).to.equal(ethers.id(name));
        expect(await registry.getRoleAdmin(role)).to.equal(operatorRole);
      }
      // Auditors are chosen by the admin (after deployment: the alliance), not the operator.
      expect(await registry.getRoleAdmin(await registry.AUDITOR_ROLE())).to.equal(
        await registry.DEFAULT_ADMIN_ROLE(),
      );
    });

    it("reverts with ParticipantRegistryZeroAddress when deployed without an operator", async () => {
      const factory = await ethers.getContractFactory("ParticipantRegistry");
      await expect(
        deployProxied(ethers, "ParticipantRegistry", [], [ethers.ZeroAddress]),
      ).to.be.revertedWithCustomError(factory, "ParticipantRegistryZeroAddress");
    });

    it("lets the admin grant AUDITOR_ROLE and refuses a stranger", async () => {
      const { registry, bob, stranger } = await loadFixture(deployRegistryFixture);
      const auditor = await registry.AUDITOR_ROLE();
      await expect(registry.grantRole(auditor, bob.address))
        .to.emit(registry, "RoleGranted")
        .withArgs(auditor, bob.address, (await ethers.getSigners())[0]!.address);
      await expect(registry.connect(stranger).grantRole(auditor, stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await registry.DEFAULT_ADMIN_ROLE());
    });
  });

  describe("applyAsParticipant", () => {
    it("records the application and emits ParticipantApplied with its hash", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      const hash = applicationHashOf(alice.address, Kind.PV, true, 7, 18, DETAILS, CID);
      expect(await registry.applicationHash(alice.address)).to.equal(ethers.ZeroHash);
      await expect(registry.connect(alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID))
        .to.emit(registry, "ParticipantApplied")
        .withArgs(alice.address, Kind.PV, true, 7, 18, DETAILS, CID, hash);
      expect(await registry.applicationHash(alice.address)).to.equal(hash);
      const p = await registry.participant(alice.address);
      expect(p.kind).to.equal(BigInt(Kind.PV));
      expect(p.status).to.equal(Status.Applied);
      expect(p.renewable).to.equal(true);
      expect(p.feederId).to.equal(7n);
      expect(p.busId).to.equal(18n);
      expect(p.updatedAt).to.equal(BigInt(await time.latest()));
      expect(p.detailsHash).to.equal(DETAILS);
      expect(p.detailsCid).to.equal(CID);
      expect(await registry.isApproved(alice.address)).to.equal(false);
      const core = await registry.participantCore(alice.address);
      expect([core.kind, core.status, core.renewable, core.feederId, core.busId]).to.deep.equal([
        BigInt(Kind.PV),
        Status.Applied,
        true,
        7n,
        18n,
      ]);
    });

    it("lets a pending applicant update its application", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
      await registry.connect(alice).applyAsParticipant(Kind.Storage, false, 7, 19, DETAILS, CID);
      const p = await registry.participant(alice.address);
      expect(p.kind).to.equal(BigInt(Kind.Storage));
      expect(p.busId).to.equal(19n);
      expect(await registry.applicationHash(alice.address)).to.equal(
        applicationHashOf(alice.address, Kind.Storage, false, 7, 19, DETAILS, CID),
      );
    });

    it("hashes every submitted field and the applicant, as keccak256(abi.encode(...))", async () => {
      const { registry, alice, bob } = await loadFixture(deployRegistryFixture);
      const base = [alice.address, Kind.PV, true, 7, 18, DETAILS, CID] as const;
      const expected = applicationHashOf(...base);
      expect(await registry.hashApplication(...base)).to.equal(expected);
      const OTHER = ethers.id("other details");
      const variants = [
        applicationHashOf(bob.address, Kind.PV, true, 7, 18, DETAILS, CID),
        applicationHashOf(alice.address, Kind.Wind, true, 7, 18, DETAILS, CID),
        applicationHashOf(alice.address, Kind.PV, false, 7, 18, DETAILS, CID),
        applicationHashOf(alice.address, Kind.PV, true, 8, 18, DETAILS, CID),
        applicationHashOf(alice.address, Kind.PV, true, 7, 19, DETAILS, CID),
        applicationHashOf(alice.address, Kind.PV, true, 7, 18, OTHER, CID),
        applicationHashOf(alice.address, Kind.PV, true, 7, 18, DETAILS, `${CID}x`),
      ];
      expect(new Set([expected, ...variants]).size).to.equal(variants.length + 1);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
      await registry.connect(bob).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
      expect(await registry.applicationHash(alice.address)).to.equal(expected);
      expect(await registry.applicationHash(bob.address)).to.equal(variants[0]);
    });

    it("reverts with ParticipantRegistryInvalidKind when the kind is Unspecified", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await expect(
        registry.connect(alice).applyAsParticipant(Kind.Unspecified, false, 1, 1, DETAILS, CID),
      ).to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidKind");
    });

    it("reverts with ParticipantRegistryEmptyDetails when the fingerprint is zero", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await expect(
        registry.connect(alice).applyAsParticipant(Kind.PV, true, 1, 1, ethers.ZeroHash, CID),
      ).to.be.revertedWithCustomError(registry, "ParticipantRegistryEmptyDetails");
    });

    it("reverts with ParticipantRegistryAlreadyApproved when an approved participant applies again", async () => {
      const { registry, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(alice).applyAsParticipant(Kind.PV, true, 1, 1, DETAILS, CID))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAlreadyApproved")
        .withArgs(alice.address);
    });

    it("lets a rejected applicant apply again", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
      await registry.reject(alice.address, REASON);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 7, 18, DETAILS, CID);
      expect((await registry.participant(alice.address)).status).to.equal(Status.Applied);
    });
  });

  describe("approve", () => {
    it("approves, grants the requested role and emits ParticipantApproved", async () => {
      const { registry, operator, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.Wind, true, 3, 4, DETAILS, CID);
      const role = await registry.AGGREGATOR_ROLE();
      const hash = await registry.applicationHash(alice.address);
      await expect(registry.approve(alice.address, role, hash))
        .to.emit(registry, "ParticipantApproved")
        .withArgs(alice.address, role, operator.address)
        .and.to.emit(registry, "RoleGranted")
        .withArgs(role, alice.address, operator.address);
      expect(await registry.isApproved(alice.address)).to.equal(true);
      expect(await registry.hasRole(role, alice.address)).to.equal(true);
      expect(await registry.applicationHash(alice.address)).to.equal(hash);
    });

    it("reverts with ParticipantRegistryApplicationChanged when the applicant re-applies after the operator read the hash (front-run)", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.Storage, false, 3, 4, DETAILS, CID);
      const reviewed = await registry.applicationHash(alice.address);
      // The applicant sees the approval coming and re-applies as renewable on another feeder.
      await registry.connect(alice).applyAsParticipant(Kind.Storage, true, 9, 4, DETAILS, CID);
      const pending = applicationHashOf(alice.address, Kind.Storage, true, 9, 4, DETAILS, CID);
      expect(pending).to.not.equal(reviewed);
      expect(await registry.applicationHash(alice.address)).to.equal(pending);
      const role = await registry.PROSUMER_ROLE();
      await expect(registry.approve(alice.address, role, reviewed))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryApplicationChanged")
        .withArgs(alice.address, reviewed, pending);
      expect((await registry.participant(alice.address)).status).to.equal(Status.Applied);
      expect(await registry.hasRole(role, alice.address)).to.equal(false);
      // Once the operator has reviewed the new application, it can approve that one.
      await expect(registry.approve(alice.address, role, pending)).to.emit(
        registry,
        "ParticipantApproved",
      );
    });

    it("reverts with ParticipantRegistryApplicationChanged for a zero or wrong hash", async () => {
      const { registry, alice, bob } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 3, 4, DETAILS, CID);
      await registry.connect(bob).applyAsParticipant(Kind.PV, true, 3, 4, DETAILS, CID);
      const pending = await registry.applicationHash(alice.address);
      const role = await registry.PROSUMER_ROLE();
      // Bob's identical application hashes differently (the applicant is part of the hash).
      for (const wrong of [ethers.ZeroHash, DETAILS, await registry.applicationHash(bob.address)]) {
        await expect(registry.approve(alice.address, role, wrong))
          .to.be.revertedWithCustomError(registry, "ParticipantRegistryApplicationChanged")
          .withArgs(alice.address, wrong, pending);
      }
      expect(await registry.isApproved(alice.address)).to.equal(false);
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-operator approves", async () => {
      const { registry, alice, stranger } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 3, 4, DETAILS, CID);
      await expect(
        registry
          .connect(stranger)
          .approve(
            alice.address,
            await registry.PROSUMER_ROLE(),
            await registry.applicationHash(alice.address),
          ),
      )
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await registry.OPERATOR_ROLE());
    });

    it("reverts with ParticipantRegistryRoleNotAssignable for operator, meter or auditor roles", async () => {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.PV, true, 3, 4, DETAILS, CID);
      const pending = await registry.applicationHash(alice.address);
      for (const name of [
        "OPERATOR_ROLE",
        "METER_ROLE",
        "AUDITOR_ROLE",
        "DEFAULT_ADMIN_ROLE",
      ] as const) {
        const role = await registry[name]();
        await expect(registry.approve(alice.address, role, pending))
          .to.be.revertedWithCustomError(registry, "ParticipantRegistryRoleNotAssignable")
          .withArgs(role);
      }
    });

    it("reverts with ParticipantRegistryUnexpectedStatus when the account has not applied", async () => {
      const { registry, bob } = await loadFixture(deployRegistryFixture);
      await expect(registry.approve(bob.address, await registry.PROSUMER_ROLE(), ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnexpectedStatus")
        .withArgs(bob.address, Status.None);
    });

    it("reverts with ParticipantRegistryUnexpectedStatus when the account is already approved", async () => {
      const { registry, alice } = await loadFixture(approvedFixture);
      await expect(
        registry.approve(
          alice.address,
          await registry.SUPPLIER_ROLE(),
          await registry.applicationHash(alice.address),
        ),
      )
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnexpectedStatus")
        .withArgs(alice.address, Status.Approved);
    });
  });

  describe("reject", () => {
    it("rejects a pending application and emits ParticipantRejected", async () => {
      const { registry, operator, alice } = await loadFixture(deployRegistryFixture);
      await registry.connect(alice).applyAsParticipant(Kind.Consumer, false, 1, 2, DETAILS, CID);
      await expect(registry.reject(alice.address, REASON))
        .to.emit(registry, "ParticipantRejected")
        .withArgs(alice.address, REASON, operator.address);
      expect((await registry.participant(alice.address)).status).to.equal(Status.Rejected);
    });

    it("withdraws an approval and revokes the granted role", async () => {
      const { registry, operator, alice } = await loadFixture(approvedFixture);
      const role = await registry.PROSUMER_ROLE();
      await expect(registry.reject(alice.address, REASON))
        .to.emit(registry, "RoleRevoked")
        .withArgs(role, alice.address, operator.address)
        .and.to.emit(registry, "ParticipantRejected");
      expect(await registry.hasRole(role, alice.address)).to.equal(false);
      expect(await registry.isApproved(alice.address)).to.equal(false);
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-operator rejects", async () => {
      const { registry, alice, stranger } = await loadFixture(approvedFixture);
      await expect(registry.connect(stranger).reject(alice.address, REASON))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await registry.OPERATOR_ROLE());
    });

    it("reverts with ParticipantRegistryUnexpectedStatus when nothing is pending", async () => {
      const { registry, bob } = await loadFixture(deployRegistryFixture);
      await expect(registry.reject(bob.address, REASON))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnexpectedStatus")
        .withArgs(bob.address, Status.None);
    });
  });

  describe("meters", () => {
    it("binds a meter with an operator certificate submitted by anyone, grants METER_ROLE and emits MeterBound", async () => {
      const { registry, operator, alice, meter, stranger } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(
        registry,
        operator,
        meter.address,
        alice.address,
        expiry,
        1n,
      );
      expect(await registry.participantOfMeter(meter.address)).to.equal(ethers.ZeroAddress);
      await expect(
        registry.connect(stranger).bindMeter(meter.address, alice.address, expiry, 1n, sig),
      )
        .to.emit(registry, "MeterBound")
        .withArgs(meter.address, alice.address, operator.address, 1n);
      expect(await registry.participantOfMeter(meter.address)).to.equal(alice.address);
      expect(await registry.hasRole(await registry.METER_ROLE(), meter.address)).to.equal(true);
      expect(await registry.nonceUsed(1n)).to.equal(true);
    });

    it("exposes the EIP-712 digest the operator signs", async () => {
      const { registry, operator, alice, meter } = await loadFixture(approvedFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const expected = ethers.TypedDataEncoder.hash(
        meterCertificateDomain(chainId, await registry.getAddress()),
        METER_CERTIFICATE_TYPES,
        { meter: meter.address, participant: alice.address, expiry: 99n, nonce: 5n },
      );
      expect(await registry.meterCertificateDigest(meter.address, alice.address, 99n, 5n)).to.equal(
        expected,
      );
      expect(operator.address).to.not.equal(ethers.ZeroAddress);
    });

    it("reverts with ParticipantRegistryZeroAddress for a zero meter or participant", async () => {
      const { registry, operator, alice, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(
        registry,
        operator,
        ethers.ZeroAddress,
        alice.address,
        expiry,
        1n,
      );
      await expect(
        registry.bindMeter(ethers.ZeroAddress, alice.address, expiry, 1n, sig),
      ).to.be.revertedWithCustomError(registry, "ParticipantRegistryZeroAddress");
      await expect(
        registry.bindMeter(meter.address, ethers.ZeroAddress, expiry, 1n, sig),
      ).to.be.revertedWithCustomError(registry, "ParticipantRegistryZeroAddress");
    });

    it("reverts with ParticipantRegistryCertificateExpired after the expiry", async () => {
      const { registry, operator, alice, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 10n;
      const sig = await signCertificate(
        registry,
        operator,
        meter.address,
        alice.address,
        expiry,
        1n,
      );
      await time.setNextBlockTimestamp(expiry + 1n);
      await expect(registry.bindMeter(meter.address, alice.address, expiry, 1n, sig))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryCertificateExpired")
        .withArgs(expiry, expiry + 1n);
    });

    it("reverts with ParticipantRegistryInvalidSigner when a non-operator signs", async () => {
      const { registry, alice, meter, stranger } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(
        registry,
        stranger,
        meter.address,
        alice.address,
        expiry,
        1n,
      );
      await expect(registry.bindMeter(meter.address, alice.address, expiry, 1n, sig))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidSigner")
        .withArgs(stranger.address);
    });

    it("reverts with ParticipantRegistryInvalidSigner(0) for a malformed signature", async () => {
      const { registry, alice, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      await expect(registry.bindMeter(meter.address, alice.address, expiry, 1n, "0x1234"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidSigner")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts with ParticipantRegistryInvalidSigner when the certificate names another participant", async () => {
      const { registry, operator, alice, bob, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(registry, operator, meter.address, bob.address, expiry, 1n);
      const recovered = ethers.recoverAddress(
        await registry.meterCertificateDigest(meter.address, alice.address, expiry, 1n),
        sig,
      );
      expect(recovered).to.not.equal(operator.address);
      await expect(registry.bindMeter(meter.address, alice.address, expiry, 1n, sig))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidSigner")
        .withArgs(recovered);
    });

    it("reverts with ParticipantRegistryNonceUsed when a nonce is replayed", async () => {
      const { registry, operator, alice, meter, meter2 } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(
        registry,
        operator,
        meter.address,
        alice.address,
        expiry,
        9n,
      );
      await registry.bindMeter(meter.address, alice.address, expiry, 9n, sig);
      const sig2 = await signCertificate(
        registry,
        operator,
        meter2.address,
        alice.address,
        expiry,
        9n,
      );
      await expect(registry.bindMeter(meter2.address, alice.address, expiry, 9n, sig2))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryNonceUsed")
        .withArgs(9n);
    });

    it("reverts with ParticipantRegistryNotApproved when the participant is not approved", async () => {
      const { registry, operator, bob, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(registry, operator, meter.address, bob.address, expiry, 1n);
      await expect(registry.bindMeter(meter.address, bob.address, expiry, 1n, sig))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryNotApproved")
        .withArgs(bob.address);
    });

    it("reverts with ParticipantRegistryMeterAlreadyBound when the meter has a live binding", async () => {
      const { registry, operator, alice, meter } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      await registry.bindMeter(
        meter.address,
        alice.address,
        expiry,
        1n,
        await signCertificate(registry, operator, meter.address, alice.address, expiry, 1n),
      );
      const sig = await signCertificate(
        registry,
        operator,
        meter.address,
        alice.address,
        expiry,
        2n,
      );
      await expect(registry.bindMeter(meter.address, alice.address, expiry, 2n, sig))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryMeterAlreadyBound")
        .withArgs(meter.address, alice.address);
    });

    it("lets the operator and the participant revoke, emitting MeterRevoked and removing METER_ROLE", async () => {
      const { registry, operator, alice, meter } = await loadFixture(approvedFixture);
      const meterRole = await registry.METER_ROLE();
      for (const [revoker, nonce] of [
        [operator, 1n],
        [alice, 2n],
      ] as const) {
        const expiry = BigInt(await time.latest()) + 3600n;
        const sig = await signCertificate(
          registry,
          operator,
          meter.address,
          alice.address,
          expiry,
          nonce,
        );
        await registry.bindMeter(meter.address, alice.address, expiry, nonce, sig);
        await expect(registry.connect(revoker).revokeMeter(meter.address))
          .to.emit(registry, "MeterRevoked")
          .withArgs(meter.address, alice.address, revoker.address);
        expect(await registry.participantOfMeter(meter.address)).to.equal(ethers.ZeroAddress);
        expect(await registry.hasRole(meterRole, meter.address)).to.equal(false);
      }
    });

    it("reverts with ParticipantRegistryUnauthorizedRevoke when a stranger revokes", async () => {
      const { registry, operator, alice, meter, stranger } = await loadFixture(approvedFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const sig = await signCertificate(
        registry,
        operator,
        meter.address,
        alice.address,
        expiry,
        1n,
      );
      await registry.bindMeter(meter.address, alice.address, expiry, 1n, sig);
      await expect(registry.connect(stranger).revokeMeter(meter.address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnauthorizedRevoke")
        .withArgs(stranger.address, meter.address);
    });

    it("reverts with ParticipantRegistryMeterNotBound when revoking an unbound meter", async () => {
      const { registry, meter } = await loadFixture(approvedFixture);
      await expect(registry.revokeMeter(meter.address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryMeterNotBound")
        .withArgs(meter.address);
    });
  });
});
