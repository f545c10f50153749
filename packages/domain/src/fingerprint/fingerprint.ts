import canonicalize from "canonicalize";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { keccak256, type Hex } from "viem";
import { BaseError } from "../errors.ts";

/** What GridLedger anchors for one JSON document. */
export type Fingerprint = {
  /** keccak256 of the canonical bytes: the value stored on-chain and used as Merkle leaf input. */
  keccak256: Hex;
  /** CIDv1 (raw codec, sha2-256) of the same bytes: where the document lives in IPFS. */
  cid: string;
  /** Length of the canonical bytes. */
  size: number;
};

/**
 * Canonical bytes of a JSON value (RFC 8785 JSON Canonicalization Scheme): object keys sorted,
 * numbers in shortest form, no whitespace. Two parties that hold equal documents get equal bytes,
 * so their hashes agree no matter how the JSON was formatted.
 *
 * @example canonicalBytes({ b: 1, a: [true] }) // bytes of '{"a":[true],"b":1}'
 */
export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new BaseError("value cannot be canonicalised as JSON");
  return new TextEncoder().encode(text);
}

/**
 * Fingerprint of a JSON document: keccak256 for the chain and CIDv1 for IPFS, both over the
 * canonical bytes.
 *
 * @example const { keccak256, cid } = await fingerprintJson(report)
 */
export async function fingerprintJson(value: unknown): Promise<Fingerprint> {
  return fingerprintBytes(canonicalBytes(value));
}

/** Fingerprint of raw bytes (files, canonical JSON already encoded). */
export async function fingerprintBytes(bytes: Uint8Array): Promise<Fingerprint> {
  const digest = await sha256.digest(bytes);
  return {
    keccak256: keccak256(bytes),
    cid: CID.createV1(raw.code, digest).toString(),
    size: bytes.length,
  };
}
