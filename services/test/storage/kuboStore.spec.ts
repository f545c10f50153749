import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalBytes, fingerprintJson } from "@gridledger/domain/fingerprint";
import { ContentStoreError, type ContentStore } from "../../src/storage/contentStore.ts";
import { createContentStore } from "../../src/storage/createContentStore.ts";
import { HeliaContentStore } from "../../src/storage/heliaStore.ts";
import { KuboContentStore } from "../../src/storage/kuboStore.ts";
import { reachableKubo, reportSkipped } from "../helpers/externalServers.ts";
import { contentStoreContract } from "./contentStoreContract.ts";

const kubo = await reachableKubo();
if (!kubo)
  reportSkipped("Kubo content store suites", "IPFS_API", "start one with infra/kubo.sh start");

describe.skipIf(!kubo)("Kubo (IPFS_API)", () => {
  contentStoreContract("Kubo daemon", () => KuboContentStore.connect({ url: kubo! }));

  describe("same bytes, same CID on Helia and Kubo", () => {
    let helia: ContentStore;
    let remote: ContentStore;
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "gl-cid-"));
      helia = await HeliaContentStore.open(dir);
      remote = await createContentStore({ CONTENT_STORE: "kubo", IPFS_API: kubo!, DATA_DIR: dir });
      expect(remote.kind).toBe("kubo");
    });
    afterAll(async () => {
      await helia.close();
      await remote.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("agrees on JSON documents (raw block of the canonical bytes)", async () => {
      for (let i = 0; i < 5; i++) {
        const doc = { i, nonce: randomBytes(6).toString("hex"), nested: { z: [i, "é"], a: null } };
        const [a, b] = await Promise.all([helia.putJson(doc), remote.putJson(doc)]);
        expect(b.cid).toBe(a.cid);
        expect(a.cid).toBe((await fingerprintJson(doc)).cid);
      }
    });

    // Sizes around the chunk boundary, a multi-chunk file and one with more than 174 chunks
    // (a two-level balanced DAG), where the importers' layouts would differ first.
    const sizes = [0, 1, 262_143, 262_144, 262_145, 1_048_576 + 3, 175 * 262_144 + 11];
    for (const size of sizes) {
      it(`agrees on a ${size}-byte file, and each reads the other's content`, async () => {
        const bytes = randomBytes(size);
        const a = await helia.putBytes(bytes);
        const b = await remote.putBytes(bytes);
        expect(b.cid).toBe(a.cid);
        expect(Buffer.from(await remote.getBytes(a.cid)).equals(bytes)).toBe(true);
        expect(Buffer.from(await helia.getBytes(b.cid)).equals(bytes)).toBe(true);
      });
    }

    it("agrees with Kubo's own `ipfs add --cid-version=1` of the canonical JSON bytes", async () => {
      const doc = { kind: "inspection", passed: true, nonce: randomBytes(6).toString("hex") };
      const viaFile = await remote.putBytes(canonicalBytes(doc));
      const viaJson = await helia.putJson(doc);
      expect(viaFile.cid).toBe(viaJson.cid);
    });
  });

  it("pins a JSON document in the put itself only when asked (Kubo's own pin list)", async () => {
    const store = await KuboContentStore.connect({ url: kubo! });
    const client = create({ url: kubo! });
    const pinned = await store.putJson(
      { pin: true, nonce: randomBytes(6).toString("hex") },
      { pin: true },
    );
    const loose = await store.putJson({ pin: false, nonce: randomBytes(6).toString("hex") });
    const isPinned = async (cid: string) => {
      try {
        for await (const _ of client.pin.ls({ paths: [CID.parse(cid)] })) return true;
      } catch (error) {
        if (/not pinned/i.test(String(error))) return false;
        throw error;
      }
      return false;
    };
    expect(await isPinned(pinned.cid)).toBe(true);
    expect(await isPinned(loose.cid)).toBe(false);
    await store.close();
  });
});

describe("KuboContentStore without a daemon", () => {
  it("reports an unreachable API as ContentStoreError", async () => {
    await expect(
      KuboContentStore.connect({ url: "http://127.0.0.1:15999" }),
    ).rejects.toBeInstanceOf(ContentStoreError);
  });

  it("requires IPFS_API when CONTENT_STORE=kubo", async () => {
    await expect(
      createContentStore({ CONTENT_STORE: "kubo", IPFS_API: undefined, DATA_DIR: "/tmp" }),
    ).rejects.toThrow(/IPFS_API/);
  });
});
