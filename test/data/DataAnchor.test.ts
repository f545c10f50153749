import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { buildStandardTree, encodeReading, standardLeaf } from "./standardTree";
import { deployProxied } from "../../scripts/deploy/proxy";

const KIND = ethers.encodeBytes32String("meter-readings");
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const LEAF_TYPES = ["address", "uint64", "int256"];

type Reading = [string, bigint, bigint];

/** `count` distinct meter readings: [meter, timestamp, watts]. */
function readings(count: number): Reading[] {
  return Array.from({ length: count }, (_, i) => [
    ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x1000 + (i % 17)), 20)),
    1_700_000_000n + BigInt(i) * 60n,
    BigInt(((i * 7919) % 4001) - 2000),
  ]);
}

async function deployFixture() {
  const [operator, owner, stranger] = await ethers.getSigners();
  const anchors = await deployProxied(ethers, "DataAnchor", [], [operator.address]);
  await anchors.grantRole(await anchors.ANCHORER_ROLE(), owner.address);
  return { anchors, operator, owner, stranger };
}

describe("DataAnchor", () => {
  it("anchors a root with sequential ids and stores the whole record", async () => {
    const { anchors, owner } = await loadFixture(deployFixture);
    const tree = StandardMerkleTree.of(readings(3), LEAF_TYPES);
    await expect(anchors.connect(owner).anchor(tree.root, CID, 3n, KIND))
      .to.emit(anchors, "DataAnchored")
      .withArgs(1n, tree.root, owner.address, KIND, 3n, CID);
    const block = await ethers.provider.getBlock("latest");
    const stored = await anchors.getAnchor(1n);
    expect(stored.root).to.equal(tree.root);
    expect(stored.submitter).to.equal(owner.address);
    expect(stored.recordCount).to.equal(3n);
    expect(stored.kind).to.equal(KIND);
    expect(stored.cid).to.equal(CID);
    expect(stored.timestamp).to.equal(BigInt(await time.latest()));
    expect(stored.blockNumber).to.equal(BigInt(block!.number));
    expect(await anchors.anchorIdOf(tree.root)).to.equal(1n);

    const second = StandardMerkleTree.of(readings(4), LEAF_TYPES);
    await expect(anchors.connect(owner).anchor(second.root, "", 4n, KIND))
      .to.emit(anchors, "DataAnchored")
      .withArgs(2n, second.root, owner.address, KIND, 4n, "");
    expect(await anchors.anchorCount()).to.equal(2n);
  });

  for (const size of [1, 2, 3, 1_000]) {
    it(`verifies every sampled record of a ${size}-leaf StandardMerkleTree`, async () => {
      const { anchors, owner } = await loadFixture(deployFixture);
      const values = readings(size);
      const tree = StandardMerkleTree.of(values, LEAF_TYPES);
      await anchors.connect(owner).anchor(tree.root, CID, BigInt(size), KIND);
      const step = Math.max(1, Math.floor(size / 7));
      for (let i = 0; i < size; i += step) {
        const proof = tree.getProof(i);
        expect(proof.length).to.be.at.most(Math.ceil(Math.log2(size)));
        const encoded = ethers.AbiCoder.defaultAbiCoder().encode(LEAF_TYPES, values[i]!);
        expect(await anchors.leafHash(encoded)).to.equal(tree.leafHash(values[i]!));
        expect(await anchors.verify(1n, tree.leafHash(values[i]!), proof)).to.equal(true);
        expect(await anchors.verifyRecord(1n, encoded, proof)).to.equal(true);
      }
    });
  }

  it("rejects a forged proof, a tampered record and a single-hashed leaf", async () => {
    const { anchors, owner } = await loadFixture(deployFixture);
    const values = readings(1_000);
    const tree = StandardMerkleTree.of(values, LEAF_TYPES);
    await anchors.connect(owner).anchor(tree.root, CID, 1_000n, KIND);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const proof = tree.getProof(10);
    // Tampered reading (one watt more) with the genuine proof.
    const tampered: Reading = [values[10]![0], values[10]![1], values[10]![2] + 1n];
    expect(await anchors.verifyRecord(1n, coder.encode(LEAF_TYPES, tampered), proof)).to.equal(
      false,
    );
    // Genuine leaf with one sibling replaced.
    const forged = [...proof];
    forged[2] = ethers.keccak256(ethers.toUtf8Bytes("forged"));
    expect(await anchors.verify(1n, tree.leafHash(values[10]!), forged)).to.equal(false);
    // Another record's proof.
    expect(await anchors.verify(1n, tree.leafHash(values[10]!), tree.getProof(11))).to.equal(false);
    // An inner node presented as a leaf (second-preimage attempt) is not a double-hashed leaf.
    const single = ethers.keccak256(coder.encode(LEAF_TYPES, values[10]!));
    expect(await anchors.verify(1n, single, proof)).to.equal(false);
  });

  it("reverts with DataAnchorRootAlreadyAnchored when the same root is anchored again", async () => {
    const { anchors, owner, operator } = await loadFixture(deployFixture);
    const tree = StandardMerkleTree.of(readings(2), LEAF_TYPES);
    await anchors.connect(owner).anchor(tree.root, CID, 2n, KIND);
    await anchors.grantRole(await anchors.ANCHORER_ROLE(), operator.address);
    await expect(anchors.anchor(tree.root, "other", 2n, KIND))
      .to.be.revertedWithCustomError(anchors, "DataAnchorRootAlreadyAnchored")
      .withArgs(tree.root, 1n);
    expect((await anchors.getAnchor(1n)).cid).to.equal(CID);
  });

  it("reverts with DataAnchorEmptyRoot and DataAnchorNoRecords on empty input", async () => {
    const { anchors, owner } = await loadFixture(deployFixture);
    await expect(
      anchors.connect(owner).anchor(ethers.ZeroHash, CID, 1n, KIND),
    ).to.be.revertedWithCustomError(anchors, "DataAnchorEmptyRoot");
    await expect(
      anchors.connect(owner).anchor(ethers.id("x"), CID, 0n, KIND),
    ).to.be.revertedWithCustomError(anchors, "DataAnchorNoRecords");
  });

  it("reverts with DataAnchorUnknownAnchor for an id never issued", async () => {
    const { anchors } = await loadFixture(deployFixture);
    await expect(anchors.getAnchor(1n))
      .to.be.revertedWithCustomError(anchors, "DataAnchorUnknownAnchor")
      .withArgs(1n);
    await expect(anchors.verify(7n, ethers.ZeroHash, []))
      .to.be.revertedWithCustomError(anchors, "DataAnchorUnknownAnchor")
      .withArgs(7n);
  });

  it("reverts with AccessControlUnauthorizedAccount when an account without ANCHORER_ROLE anchors", async () => {
    const { anchors, stranger, operator } = await loadFixture(deployFixture);
    const role = await anchors.ANCHORER_ROLE();
    await expect(anchors.connect(stranger).anchor(ethers.id("r"), CID, 1n, KIND))
      .to.be.revertedWithCustomError(anchors, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, role);
    // Only the operator may grant the role.
    await expect(anchors.connect(stranger).grantRole(role, stranger.address))
      .to.be.revertedWithCustomError(anchors, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await anchors.OPERATOR_ROLE());
    await expect(anchors.grantRole(role, stranger.address))
      .to.emit(anchors, "RoleGranted")
      .withArgs(role, stranger.address, operator.address);
    await expect(anchors.connect(stranger).anchor(ethers.id("r"), CID, 1n, KIND)).to.emit(
      anchors,
      "DataAnchored",
    );
    await anchors.revokeRole(role, stranger.address);
    await expect(
      anchors.connect(stranger).anchor(ethers.id("r2"), CID, 1n, KIND),
    ).to.be.revertedWithCustomError(anchors, "AccessControlUnauthorizedAccount");
  });

  it("builds the same roots and proofs as StandardMerkleTree with the flat-buffer builder", async () => {
    const { anchors, owner } = await loadFixture(deployFixture);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    for (const size of [1, 2, 3, 1_000]) {
      const values = readings(size);
      const reference = StandardMerkleTree.of(values, LEAF_TYPES);
      const encoded = values.map(([m, t, v]) => encodeReading(m, t, v));
      values.forEach((value, i) =>
        expect(ethers.hexlify(encoded[i]!)).to.equal(coder.encode(LEAF_TYPES, value)),
      );
      const flat = buildStandardTree(encoded.map(standardLeaf));
      expect(flat.root).to.equal(reference.root);
      for (let i = 0; i < size; i += Math.max(1, Math.floor(size / 5))) {
        const leaf = reference.leafHash(values[i]!);
        expect(flat.getProof(leaf)).to.deep.equal(reference.getProof(i));
      }
    }
    // And the contract accepts a flat-builder proof.
    const values = readings(1_000);
    const flat = buildStandardTree(values.map(([m, t, v]) => standardLeaf(encodeReading(m, t, v))));
    await anchors.connect(owner).anchor(flat.root, CID, 1_000n, KIND);
    const leaf = StandardMerkleTree.of(values, LEAF_TYPES).leafHash(values[123]!);
    expect(await anchors.verify(1n, leaf, flat.getProof(leaf))).to.equal(true);
  });
});
