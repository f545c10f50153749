import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { canonicalBytes, fingerprintBytes, fingerprintJson } from "./fingerprint.ts";

describe("canonicalBytes", () => {
  it("sorts keys and drops whitespace so equal documents give equal bytes", () => {
    const a = new TextDecoder().decode(canonicalBytes({ b: 1, a: { d: [1, 2], c: "x" } }));
    const b = new TextDecoder().decode(
      canonicalBytes(JSON.parse('{ "a": {"c":"x","d":[1,2]}, "b":1 }')),
    );
    expect(a).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
    expect(b).toBe(a);
  });

  it("rejects values that are not JSON", () => {
    expect(() => canonicalBytes(undefined)).toThrow(/cannot be canonicalised/);
  });
});

describe("fingerprintJson", () => {
  it("hashes the canonical bytes with keccak256", async () => {
    const fp = await fingerprintJson({ z: 0, a: "v" });
    expect(fp.keccak256).toBe(keccak256(toHex('{"a":"v","z":0}')));
    expect(fp.size).toBe(15);
  });

  it("gives the well-known CIDv1 of the empty raw block", async () => {
    // The raw-codec sha2-256 CID of zero bytes, as `ipfs add --raw-leaves --cid-version 1` reports it.
    const fp = await fingerprintBytes(new Uint8Array());
    expect(fp.cid).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  });

  it("changes when one value changes", async () => {
    const a = await fingerprintJson({ reading: 100 });
    const b = await fingerprintJson({ reading: 101 });
    expect(a.keccak256).not.toBe(b.keccak256);
    expect(a.cid).not.toBe(b.cid);
  });
});
