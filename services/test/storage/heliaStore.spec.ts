import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { LevelDatastore } from "datastore-level";
import { createHeliaLight } from "helia";
import { Key } from "interface-datastore";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, describe, expect, it } from "vitest";
import { ContentIntegrityError, ContentStoreError } from "../../src/storage/contentStore.ts";
import { createContentStore } from "../../src/storage/createContentStore.ts";
import { HeliaContentStore } from "../../src/storage/heliaStore.ts";
import { contentStoreContract } from "./contentStoreContract.ts";

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "gl-helia-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

contentStoreContract("Helia (embedded)", async () => HeliaContentStore.open(await freshDir()));

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/** Overwrites the block file holding exactly `original` with `replacement`. */
async function tamperBlock(dataDir: string, original: Uint8Array, replacement: Uint8Array) {
  const files = await filesUnder(path.join(dataDir, "ipfs", "blocks"));
  for (const file of files) {
    if ((await stat(file)).size !== original.length) continue;
    if (Buffer.from(await readFile(file)).equals(Buffer.from(original))) {
      await writeFile(file, replacement);
      return;
    }
  }
  throw new Error("block file not found");
}

describe("HeliaContentStore on disk", () => {
  it("keeps content across a restart (filesystem blockstore under DATA_DIR/ipfs)", async () => {
    const dir = await freshDir();
    const first = await HeliaContentStore.open(dir);
    const { cid } = await first.putJson({ persisted: true });
    await first.pin(cid);
    await first.close();
    const second = await createContentStore({
      CONTENT_STORE: "helia",
      DATA_DIR: dir,
      IPFS_API: undefined,
    });
    expect(second.kind).toBe("helia");
    expect(await second.getJson(cid)).toEqual({ persisted: true });
    await second.close();
  });

  it("reports a raw block altered on disk as ContentIntegrityError instead of serving it", async () => {
    const dir = await freshDir();
    const store = await HeliaContentStore.open(dir);
    const doc = { batch: "B-9", kWh: 120 };
    const { cid } = await store.putJson(doc);
    const original = new TextEncoder().encode('{"batch":"B-9","kWh":120}');
    await tamperBlock(dir, original, new TextEncoder().encode('{"batch":"B-9","kWh":999}'));
    await expect(store.getJson(cid)).rejects.toBeInstanceOf(ContentIntegrityError);
    await store.close();
  });

  it("reports a tampered leaf inside a multi-chunk file as ContentIntegrityError", async () => {
    const dir = await freshDir();
    const store = await HeliaContentStore.open(dir);
    const bytes = new Uint8Array(2 * 262_144 + 5).map((_, i) => i % 251);
    const { cid } = await store.putBytes(bytes);
    const secondLeaf = bytes.slice(262_144, 2 * 262_144);
    const forged = secondLeaf.slice();
    forged[100] = forged[100]! ^ 0xff;
    await tamperBlock(dir, secondLeaf, forged);
    await expect(store.getBytes(cid)).rejects.toBeInstanceOf(ContentIntegrityError);
    await store.close();
  });

  it("keeps pins (also those made by putJson) in a LevelDB datastore across a restart", async () => {
    const dir = await freshDir();
    const store = await HeliaContentStore.open(dir);
    const { cid } = await store.putJson({ pinned: "by pin" });
    await store.pin(cid);
    await store.pin(cid); // idempotent
    const inline = await store.putJson({ pinned: "by put" }, { pin: true });
    await store.putJson({ pinned: "by put" }, { pin: true }); // idempotent too
    const loose = await store.putJson({ pinned: false });
    await store.close();
    const datastore = new LevelDatastore(path.join(dir, "ipfs", "datastore.level"));
    await datastore.open();
    const pinKeys: string[] = [];
    for await (const key of datastore.queryKeys({ prefix: "/pin/" })) pinKeys.push(key.toString());
    await datastore.close();
    const keyOf = (c: string) => `/pin/${CID.parse(c).toString(base36)}`;
    expect(pinKeys.sort()).toEqual([keyOf(cid), keyOf(inline.cid)].sort());
    expect(pinKeys).not.toContain(keyOf(loose.cid));
  });

  it("refuses a second open of the same repository with a clear error, and opens after close", async () => {
    const dir = await freshDir();
    const first = await HeliaContentStore.open(dir);
    const error = await HeliaContentStore.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentStoreError);
    expect((error as Error).message).toMatch(/cannot open the IPFS repository/);
    await first.close();
    const again = await HeliaContentStore.open(dir);
    await again.close();
  });

  it("moves pins from a pre-LevelDB filesystem datastore once, keeping its blocks", async () => {
    const dir = await freshDir();
    // A repository in the old layout: FsDatastore under ipfs/datastore, holding Helia's pins.
    const old = createHeliaLight({
      blockstore: new FsBlockstore(path.join(dir, "ipfs", "blocks")),
      datastore: new FsDatastore(path.join(dir, "ipfs", "datastore")),
    });
    await old.start();
    const bytes = new TextEncoder().encode('{"old":true}');
    const cid = CID.createV1(0x55, await sha256.digest(bytes));
    await old.blockstore.put(cid, bytes);
    for await (const _ of old.pins.add(cid)) {
      // drain the walk
    }
    await old.stop();

    const store = await HeliaContentStore.open(dir);
    expect(await store.getJson(cid.toString())).toEqual({ old: true });
    await store.close();
    await expect(stat(path.join(dir, "ipfs", "datastore.migrated"))).resolves.toBeTruthy();
    await expect(stat(path.join(dir, "ipfs", "datastore"))).rejects.toThrow(/ENOENT/);
    const reopened = await HeliaContentStore.open(dir); // no second migration
    await reopened.close();
    const datastore = new LevelDatastore(path.join(dir, "ipfs", "datastore.level"));
    await datastore.open();
    expect(await datastore.has(new Key(`/pin/${cid.toString(base36)}`))).toBe(true);
    await datastore.close();
  });

  it("refuses use after close", async () => {
    const store = await HeliaContentStore.open(await freshDir());
    await store.close();
    await expect(store.putJson({ a: 1 })).rejects.toThrow(/closed/);
  });
});
