import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, keccak256, type Hex } from "viem";

/**
 * Leaf encoding of trace records, in OpenZeppelin StandardMerkleTree terms: one `bytes32` value,
 * the keccak256 of the record's RFC 8785 canonical bytes. Leaf =
 * keccak256(bytes.concat(keccak256(abi.encode(contentHash)))), exactly what
 * `StandardMerkleTree.of([[contentHash]], ["bytes32"])` and DataAnchor.verifyRecord compute.
 */
export const LEAF_ENCODING = ["bytes32"] as const;

/** The Merkle leaf of a record whose canonical bytes hash to `contentHash`. */
export function leafHashOf(contentHash: Hex): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }], [contentHash])));
}

/** A Merkle tree over leaf hashes, with the proof of each leaf in input order. */
export type BatchTree = { root: Hex; proofs: Hex[][] };

/**
 * Builds the batch tree from leaf hashes. SimpleMerkleTree over the leaf hashes is the same tree
 * (sorted leaves, sorted-pair keccak nodes) as StandardMerkleTree over the contentHash values, so
 * the proofs verify with OpenZeppelin's MerkleProof against the anchored root.
 *
 * @example const { root, proofs } = buildBatchTree([leafHashOf(h1), leafHashOf(h2)])
 */
export function buildBatchTree(leaves: readonly Hex[]): BatchTree {
  const tree = SimpleMerkleTree.of([...leaves]);
  return {
    root: tree.root as Hex,
    proofs: leaves.map((_, i) => tree.getProof(i) as Hex[]),
  };
}

/** The StandardMerkleTree root over contentHash values (reference for tests). */
export function standardRootOf(contentHashes: readonly Hex[]): Hex {
  return StandardMerkleTree.of(
    contentHashes.map((h) => [h]),
    [...LEAF_ENCODING],
  ).root as Hex;
}
