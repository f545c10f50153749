// Helia and its libp2p dependencies use Promise.withResolvers (Node >= 22); polyfill it on Node 20
// before any of them is evaluated.
import "promise.withresolvers/auto";
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { LevelDatastore } from "datastore-level";
import { createHeliaLight, type Helia } from "helia";
import type { CID } from "multiformats/cid";
import { BaseError } from "@gridledger/domain/errors";
import { canonicalBytes } from "@gridledger/domain/fingerprint";
import {
  checkJsonSize,
  importFile,
  parseCid,
  parseJsonBytes,
  rawCid,
  readVerified,
} from "./blocks.ts";
import {
  ContentNotFoundError,
  ContentStoreError,
  type ContentStore,
  type PutOptions,
  type PutResult,
} from "./contentStore.ts";

/**
 * Embedded IPFS node: Helia with a filesystem blockstore (`<dataDir>/ipfs/blocks`, one file per
 * block) and a LevelDB datastore (`<dataDir>/ipfs/datastore.level`, where Helia keeps its pins).
 * Helia writes two small pin records per pinned block; LevelDB takes them about six times faster
 * than a filesystem datastore, which creates a file for each (decision 0400).
 * It is built with `createHeliaLight`, i.e. without libp2p, bitswap, HTTP gateways or routers: it
 * never opens a socket, works offline, and every read is answered from the local blockstore.
 * Content is published to the wider IPFS network by running Kubo instead (CONTENT_STORE=kubo).
 *
 * @example
 *   const store = await HeliaContentStore.open(".gridledger/data")
 *   const { cid } = await store.putJson({ hello: "world" })
 */
export class HeliaContentStore implements ContentStore {
  readonly kind = "helia" as const;
  readonly #helia: Helia;
  readonly #datastore: LevelDatastore;
  #closed = false;

  private constructor(helia: Helia, datastore: LevelDatastore) {
    this.#helia = helia;
    this.#datastore = datastore;
  }

  /** Opens (creating if needed) the node whose repository lives in `<dataDir>/ipfs`. */
  static async open(dataDir: string): Promise<HeliaContentStore> {
    const root = path.resolve(dataDir, "ipfs");
    let datastore: LevelDatastore | undefined;
    try {
      await mkdir(root, { recursive: true });
      datastore = new LevelDatastore(path.join(root, "datastore.level"));
      await datastore.open();
      await migrateFsDatastore(path.join(root, "datastore"), datastore);
      const helia = createHeliaLight({
        blockstore: new FsBlockstore(path.join(root, "blocks")),
        datastore,
      });
      await helia.start();
      return new HeliaContentStore(helia, datastore);
    } catch (cause) {
      // LevelDB locks its directory until closed: a second process opening it ends up here.
      await datastore?.close().catch(() => undefined);
      throw new ContentStoreError(`cannot open the IPFS repository in ${root}`, { cause });
    }
  }

  async putJson(value: unknown, options: PutOptions = {}): Promise<PutResult> {
    const bytes = canonicalBytes(value);
    checkJsonSize(bytes);
    const cid = await rawCid(bytes);
    await this.#run("put", async () => this.#helia.blockstore.put(cid, bytes));
    if (options.pin === true) await this.#pin(cid);
    return { cid: cid.toString(), size: bytes.length };
  }

  async getJson(cid: string): Promise<unknown> {
    return parseJsonBytes(cid, await this.getBytes(cid));
  }

  async putBytes(bytes: Uint8Array): Promise<PutResult> {
    const cid = await this.#run("import", () => importFile(bytes, this.#helia.blockstore));
    return { cid: cid.toString(), size: bytes.length };
  }

  async getBytes(cid: string): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    return this.#run("get", () => readVerified(parsed, (c) => this.#readBlock(c)), cid);
  }

  async pin(cid: string): Promise<void> {
    // Checked first: Helia's offline walk over a missing block fails with an unhandled rejection.
    if (!(await this.has(cid))) throw new ContentNotFoundError(cid);
    await this.#pin(parseCid(cid));
  }

  /** Pins a block that is held, recursively; already pinned is fine. */
  async #pin(cid: CID): Promise<void> {
    await this.#run(
      "pin",
      async () => {
        try {
          for await (const _ of this.#helia.pins.add(cid, { offline: true } as never)) {
            // each pinned block is reported; nothing to do with it
          }
        } catch (error) {
          if ((error as Error).name !== "AlreadyPinnedError") throw error;
        }
      },
      cid.toString(),
    );
  }

  async has(cid: string): Promise<boolean> {
    const parsed = parseCid(cid);
    return this.#run("has", async () => this.#helia.blockstore.has(parsed));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#helia.stop();
    // Helia does not close the datastore it was given; LevelDB must be, to release its lock.
    await this.#datastore.close();
  }

  async #readBlock(cid: CID): Promise<Uint8Array> {
    if (!(await this.#helia.blockstore.has(cid))) throw new ContentNotFoundError(cid.toString());
    const parts: Uint8Array[] = [];
    for await (const part of this.#helia.blockstore.get(cid, { offline: true })) parts.push(part);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Runs one operation, wrapping failures that are not ours in ContentStoreError. */
  async #run<T>(what: string, op: () => Promise<T>, cid?: string): Promise<T> {
    if (this.#closed) throw new ContentStoreError("content store is closed");
    try {
      return await op();
    } catch (cause) {
      if (cause instanceof BaseError) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      if (cid !== undefined && /not found/i.test(message)) {
        throw new ContentNotFoundError(cid, { cause });
      }
      throw new ContentStoreError(`IPFS ${what} failed: ${message}`, { cause });
    }
  }
}

/**
 * Repositories written before the LevelDB datastore kept pins in a filesystem datastore under
 * `ipfs/datastore`: copy its records once, then rename it so the copy never runs twice.
 */
async function migrateFsDatastore(dir: string, into: LevelDatastore): Promise<void> {
  if (!existsSync(dir)) return;
  const old = new FsDatastore(dir);
  await old.open();
  const batch = into.batch();
  for await (const { key, value } of old.query({})) batch.put(key, value);
  await batch.commit();
  await old.close();
  await rename(dir, `${dir}.migrated`);
}
