import { randomBytes } from "node:crypto";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError, ValidationError } from "@gridledger/domain/errors";
import { canonicalBytes, fingerprintBytes, fingerprintJson } from "@gridledger/domain/fingerprint";
import { fileCid } from "../../src/storage/blocks.ts";
import {
  ContentNotFoundError,
  ContentStoreError,
  MAX_JSON_BYTES,
  type ContentStore,
} from "../../src/storage/contentStore.ts";

const DAG_PB = 0x70;

/** A traceability event document like the ones the API stores. */
function eventDoc(i: number) {
  return {
    type: "shipped",
    batch: `B-${i}`,
    at: 1_760_000_000_000 + i,
    from: { participant: "0x00000000000000000000000000000000000000a1", site: "Wuxi" },
    to: { participant: "0x00000000000000000000000000000000000000b2", site: "Rotterdam" },
    measurements: [1.5, 2, -0.25, 1e21],
    note: "ünïcødé ✓",
  };
}

/**
 * The contract every ContentStore implementation must meet. `open` gives a fresh store (for
 * Kubo: a client of the shared daemon, so tests use fresh random content instead of a fresh repo).
 */
export function contentStoreContract(name: string, open: () => Promise<ContentStore>): void {
  describe(`ContentStore contract: ${name}`, () => {
    let store: ContentStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
    });

    it("stores JSON under the raw-codec CIDv1 of its canonical bytes (= fingerprintJson().cid)", async () => {
      const doc = { ...eventDoc(1), nonce: randomBytes(8).toString("hex") };
      const put = await store.putJson(doc);
      const fp = await fingerprintJson(doc);
      expect(put.cid).toBe(fp.cid);
      expect(put.size).toBe(fp.size);
      const cid = CID.parse(put.cid);
      expect(cid.version).toBe(1);
      expect(cid.code).toBe(raw.code);
    });

    it("gives equal documents with differently ordered keys the same CID, and reads them back", async () => {
      const nonce = randomBytes(8).toString("hex");
      const a = await store.putJson({ nonce, b: [1, { y: 2, x: 1 }], a: "z" });
      const b = await store.putJson(
        JSON.parse(`{"a":"z","b":[1,{"x":1,"y":2}],"nonce":"${nonce}"}`),
      );
      expect(b.cid).toBe(a.cid);
      expect(await store.getJson(a.cid)).toEqual({ a: "z", b: [1, { x: 1, y: 2 }], nonce });
    });

    it("round-trips a JSON document exactly (numbers, unicode, nesting)", async () => {
      const doc = { ...eventDoc(2), nonce: randomBytes(8).toString("hex") };
      const { cid } = await store.putJson(doc);
      expect(await store.getJson(cid)).toEqual(doc);
      expect(await store.getBytes(cid)).toEqual(canonicalBytes(doc));
    });

    it("stores a small file as one raw block whose CID equals fingerprintBytes().cid", async () => {
      const bytes = randomBytes(10_000);
      const put = await store.putBytes(bytes);
      expect(put).toEqual({ cid: (await fingerprintBytes(bytes)).cid, size: 10_000 });
      expect(Buffer.from(await store.getBytes(put.cid)).equals(bytes)).toBe(true);
    });

    it("stores a multi-chunk file as a UnixFS DAG and reads it back byte for byte", async () => {
      const bytes = randomBytes(3 * 262_144 + 17);
      const put = await store.putBytes(bytes);
      const cid = CID.parse(put.cid);
      expect(cid.code).toBe(DAG_PB);
      expect(cid.version).toBe(1);
      expect(put.cid).toBe((await fileCid(bytes)).toString());
      expect(Buffer.from(await store.getBytes(put.cid)).equals(bytes)).toBe(true);
    });

    it("stores an empty file", async () => {
      const put = await store.putBytes(new Uint8Array());
      expect(put.size).toBe(0);
      expect((await store.getBytes(put.cid)).length).toBe(0);
    });

    it("says whether it holds a CID, without asking the network", async () => {
      const { cid } = await store.putJson({ has: randomBytes(8).toString("hex") });
      expect(await store.has(cid)).toBe(true);
      const absent = (await fingerprintBytes(randomBytes(32))).cid;
      const started = Date.now();
      expect(await store.has(absent)).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("reports an unknown CID as ContentNotFoundError, quickly", async () => {
      const absent = (await fingerprintBytes(randomBytes(32))).cid;
      const started = Date.now();
      await expect(store.getBytes(absent)).rejects.toBeInstanceOf(ContentNotFoundError);
      await expect(store.getJson(absent)).rejects.toBeInstanceOf(ContentNotFoundError);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("pins stored content idempotently and refuses to pin what it does not hold", async () => {
      const { cid } = await store.putBytes(randomBytes(300_000));
      await store.pin(cid);
      await store.pin(cid);
      expect(await store.has(cid)).toBe(true);
      const absent = (await fingerprintBytes(randomBytes(32))).cid;
      await expect(store.pin(absent)).rejects.toBeInstanceOf(ContentNotFoundError);
    });

    it("rejects a malformed CID with a ValidationError naming the cid", async () => {
      await expect(store.getBytes("not-a-cid")).rejects.toThrow(ValidationError);
      await expect(store.has("bafy-nope")).rejects.toThrow(/cid/);
      await expect(store.pin("")).rejects.toThrow(ValidationError);
    });

    it("refuses JSON larger than one block and values that are not JSON", async () => {
      const big = { blob: "x".repeat(MAX_JSON_BYTES) };
      await expect(store.putJson(big)).rejects.toThrow(ValidationError);
      await expect(store.putJson(undefined)).rejects.toThrow(BaseError);
    });

    it("reports a non-JSON file read as JSON as a ContentStoreError", async () => {
      const { cid } = await store.putBytes(new Uint8Array([0xff, 0xfe, 0x00, 0x01]));
      await expect(store.getJson(cid)).rejects.toBeInstanceOf(ContentStoreError);
    });

    it("handles concurrent writes of the same and different content", async () => {
      const docs = Array.from({ length: 20 }, (_, i) => ({ i: i % 5, tag: "concurrent" }));
      const puts = await Promise.all(docs.map((d) => store.putJson(d)));
      expect(new Set(puts.map((p) => p.cid)).size).toBe(5);
      for (const p of puts) expect(await store.has(p.cid)).toBe(true);
    });
  });
}
