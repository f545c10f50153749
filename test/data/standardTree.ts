import { keccak256 } from "js-sha3";

/** keccak256 as bytes (js-sha3: about twice as fast as @noble/hashes on this workload). */
const keccak_256 = (data: Uint8Array): Uint8Array => new Uint8Array(keccak256.arrayBuffer(data));

/**
 * A flat-buffer builder of OpenZeppelin's `StandardMerkleTree` layout, for trees too large for the
 * library (it takes about 0.5 ms per leaf, so 1,000,000 leaves would need minutes). Same leaf
 * encoding (`keccak256(keccak256(abi.encode(values)))`), same leaf order (sorted by hash, stored
 * right to left), same node hash (keccak256 of the sorted pair), so roots and proofs are identical;
 * test/data/DataAnchor.test.ts checks that against the library.
 */
export type FlatTree = {
  /** Root as 0x-hex. */
  root: string;
  /** Number of leaves. */
  size: number;
  /** Proof for the leaf with hash `leafHash` (0x-hex), siblings from leaf to root. */
  getProof(leafHash: string): string[];
};

const toHex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

/** `keccak256(keccak256(encoded))`: the StandardMerkleTree leaf hash of an abi-encoded record. */
export function standardLeaf(encoded: Uint8Array): Uint8Array {
  return keccak_256(keccak_256(encoded));
}

/**
 * ABI encoding of `(address, uint64, int256)` without an ABI coder: three 32-byte words.
 * @example encodeReading("0x00..01", 1_700_000_000n, -5n)
 */
export function encodeReading(meter: string, timestamp: bigint, value: bigint): Uint8Array {
  const out = Buffer.alloc(96);
  Buffer.from(meter.slice(2), "hex").copy(out, 12);
  out.writeBigUInt64BE(timestamp, 56);
  const twos = value < 0n ? (1n << 256n) + value : value;
  Buffer.from(twos.toString(16).padStart(64, "0"), "hex").copy(out, 64);
  return out;
}

/**
 * Builds the tree from leaf hashes (32-byte each).
 * @example const tree = buildStandardTree(records.map((r) => standardLeaf(encode(r))));
 */
export function buildStandardTree(leafHashes: Uint8Array[]): FlatTree {
  const n = leafHashes.length;
  if (n === 0) throw new Error("a Merkle tree needs at least one leaf");
  const sorted = [...leafHashes].sort((a, b) => Buffer.compare(a, b));
  const nodes = Buffer.alloc((2 * n - 1) * 32);
  const at = (i: number) => nodes.subarray(i * 32, i * 32 + 32);
  // Leaf i of the sorted list sits at tree index (2n − 2 − i), as in @openzeppelin/merkle-tree.
  sorted.forEach((leaf, i) => nodes.set(leaf, (2 * n - 2 - i) * 32));
  const pair = Buffer.alloc(64);
  for (let i = n - 2; i >= 0; i--) {
    const left = at(2 * i + 1);
    const right = at(2 * i + 2);
    if (Buffer.compare(left, right) <= 0) {
      pair.set(left, 0);
      pair.set(right, 32);
    } else {
      pair.set(right, 0);
      pair.set(left, 32);
    }
    nodes.set(keccak_256(pair), i * 32);
  }
  const index = new Map<string, number>();
  return {
    root: toHex(at(0)),
    size: n,
    getProof(leafHash: string): string[] {
      if (index.size === 0) sorted.forEach((leaf, i) => index.set(toHex(leaf), 2 * n - 2 - i));
      let i = index.get(leafHash.toLowerCase());
      if (i === undefined) throw new Error(`leaf ${leafHash} is not in the tree`);
      const proof: string[] = [];
      while (i > 0) {
        proof.push(toHex(at(i % 2 === 1 ? i + 1 : i - 1)));
        i = Math.floor((i - 1) / 2);
      }
      return proof;
    },
  };
}
