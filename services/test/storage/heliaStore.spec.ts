import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentIntegrityError } from "../../src/storage/contentStore.ts";
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

  it("refuses use after close", async () => {
    const store = await HeliaContentStore.open(await freshDir());
    await store.close();
    await expect(store.putJson({ a: 1 })).rejects.toThrow(/closed/);
  });
});
