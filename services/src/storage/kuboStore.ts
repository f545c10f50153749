import { create, type KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";
import { BaseError } from "@gridledger/domain/errors";
import { canonicalBytes } from "@gridledger/domain/fingerprint";
import {
  checkJsonSize,
  fileCid,
  parseCid,
  parseJsonBytes,
  rawCid,
  readVerified,
} from "./blocks.ts";
import {
  ContentNotFoundError,
  ContentStoreError,
  UNIXFS_IMPORT,
  type ContentStore,
  type PutOptions,
  type PutResult,
} from "./contentStore.ts";

export type KuboStoreOptions = {
  /** Kubo RPC API, e.g. http://127.0.0.1:15001 */
  url: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
};

/**
 * Content store backed by a Kubo daemon through its RPC API (kubo-rpc-client). JSON goes in with
 * `block/put` as one raw block, files with `add --cid-version=1 --raw-leaves --chunker=size-262144`;
 * after each write the CID Kubo returned is compared with the CID computed locally with the same
 * settings Helia uses, so a daemon configured differently is reported instead of silently giving
 * other CIDs. Reads fetch blocks with `block/get` and verify each one against its CID (Kubo does
 * not re-hash blocks on read by default). Every request asks Kubo to stay offline, so a missing
 * block is "not found" at once rather than a search of the public network.
 *
 * @example
 *   const store = await KuboContentStore.connect({ url: "http://127.0.0.1:15001" })
 */
export class KuboContentStore implements ContentStore {
  readonly kind = "kubo" as const;
  readonly #client: KuboRPCClient;
  readonly #url: string;
  #closed = false;

  private constructor(client: KuboRPCClient, url: string) {
    this.#client = client;
    this.#url = url;
  }

  /** Connects and checks that the daemon answers (ContentStoreError when it does not). */
  static async connect(options: KuboStoreOptions): Promise<KuboContentStore> {
    const client = create({ url: options.url, timeout: options.timeoutMs ?? 30_000 });
    const store = new KuboContentStore(client, options.url);
    await store.#run("version", () => client.version({ signal: AbortSignal.timeout(5_000) }));
    return store;
  }

  async putJson(value: unknown, options: PutOptions = {}): Promise<PutResult> {
    const bytes = canonicalBytes(value);
    checkJsonSize(bytes);
    const expected = await rawCid(bytes);
    const cid = await this.#run("block/put", () =>
      this.#client.block.put(bytes, {
        mhtype: "sha2-256",
        pin: options.pin === true,
        searchParams: { "cid-codec": "raw" },
      } as never),
    );
    this.#checkAgrees(cid, expected);
    return { cid: expected.toString(), size: bytes.length };
  }

  async getJson(cid: string): Promise<unknown> {
    return parseJsonBytes(cid, await this.getBytes(cid));
  }

  async putBytes(bytes: Uint8Array): Promise<PutResult> {
    const expected = await fileCid(bytes);
    const added = await this.#run("add", () =>
      this.#client.add(bytes, {
        cidVersion: UNIXFS_IMPORT.cidVersion,
        rawLeaves: UNIXFS_IMPORT.rawLeaves,
        chunker: `size-${UNIXFS_IMPORT.chunkSize}`,
        hashAlg: "sha2-256",
        pin: false,
      }),
    );
    this.#checkAgrees(added.cid, expected);
    return { cid: expected.toString(), size: bytes.length };
  }

  async getBytes(cid: string): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    return this.#run("get", () => readVerified(parsed, (c) => this.#readBlock(c)), cid);
  }

  async pin(cid: string): Promise<void> {
    const parsed = parseCid(cid);
    await this.#run(
      "pin/add",
      () => this.#client.pin.add(parsed, offline({ recursive: true })),
      cid,
    );
  }

  async has(cid: string): Promise<boolean> {
    const parsed = parseCid(cid);
    try {
      await this.#run("block/stat", () => this.#client.block.stat(parsed, offline({})), cid);
      return true;
    } catch (error) {
      if (error instanceof ContentNotFoundError) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    // The HTTP client holds no connection state worth closing; refuse further use.
    this.#closed = true;
  }

  async #readBlock(cid: CID): Promise<Uint8Array> {
    return this.#run("block/get", () => this.#client.block.get(cid, offline({})), cid.toString());
  }

  #checkAgrees(got: CID, expected: CID): void {
    if (!got.toV1().equals(expected)) {
      throw new ContentStoreError(
        `Kubo at ${this.#url} stored the content as ${got} but GridLedger expects ${expected}: check its import settings`,
      );
    }
  }

  /** Runs one RPC, mapping Kubo's "not found" to ContentNotFoundError and the rest to ContentStoreError. */
  async #run<T>(what: string, op: () => Promise<T>, cid?: string): Promise<T> {
    if (this.#closed) throw new ContentStoreError("content store is closed");
    try {
      return await op();
    } catch (cause) {
      if (cause instanceof BaseError) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      if (cid !== undefined && /not found|could not find/i.test(message)) {
        throw new ContentNotFoundError(cid, { cause });
      }
      throw new ContentStoreError(`Kubo ${what} at ${this.#url} failed: ${message}`, { cause });
    }
  }
}

/** Adds Kubo's `offline=true` request option (never search the network for missing blocks). */
function offline<T extends object>(options: T): T {
  return { ...options, searchParams: { offline: "true" } } as T;
}
