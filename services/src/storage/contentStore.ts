import { BaseError } from "@gridledger/domain/errors";

/**
 * Where a stored document or file lives: its CIDv1 (base32 string, e.g. `bafkrei...`) and the
 * number of bytes that were stored for it.
 */
export type PutResult = {
  /** CIDv1, base32. For JSON and for files up to 256 KiB: raw codec + sha2-256 of the bytes. */
  cid: string;
  /** Length in bytes of what was stored (for JSON: the RFC 8785 canonical bytes). */
  size: number;
};

/** Options of a put. */
export type PutOptions = {
  /** Pin what was stored, so garbage collection keeps it (default false). */
  pin?: boolean;
};

/** Which implementation a ContentStore is (chosen by `CONTENT_STORE`). */
export type ContentStoreKind = "helia" | "kubo";

/**
 * Content-addressed store for JSON documents and files (IPFS). Two real implementations:
 * `HeliaContentStore` (embedded, the default, blockstore under `DATA_DIR`) and `KuboContentStore`
 * (a Kubo daemon through its RPC API, `IPFS_API`). Both give the same CID for the same bytes:
 *
 * - `putJson(value)` stores the RFC 8785 canonical bytes of `value` as ONE raw block (codec `raw`,
 *   sha2-256, CIDv1). The CID therefore equals `fingerprintJson(value).cid` from
 *   `common/fingerprint.ts`. Canonical JSON is limited to 1 MiB (Kubo's block size limit);
 *   larger documents belong in `putBytes`.
 * - `putBytes(bytes)` imports the bytes as a UnixFS file with Kubo's CIDv1 settings (fixed 256 KiB
 *   chunks, raw leaves, balanced DAG with at most 174 links per node, CIDv1). A file of at most
 *   256 KiB is a single raw leaf, so its CID equals `fingerprintBytes(bytes).cid`; larger files get a
 *   dag-pb root.
 *
 * Reads verify what comes back: a raw block whose bytes do not hash to its CID raises
 * `ContentIntegrityError` (a block replaced on disk is never served). Failures of the underlying
 * node raise `ContentStoreError`; an unknown CID raises `ContentNotFoundError`. No method touches the
 * public IPFS network: Helia runs without libp2p networking, Kubo is expected to be a local daemon.
 *
 * @example
 *   const store = await createContentStore(config)
 *   const { cid } = await store.putJson({ batch: "B-1", event: "shipped" })
 *   await store.pin(cid)
 *   const doc = await store.getJson(cid)
 *   await store.close()
 */
export interface ContentStore {
  /** Which implementation this is. */
  readonly kind: ContentStoreKind;
  /**
   * Stores the canonical bytes of a JSON value as one raw block; CID = fingerprintJson(value).cid.
   * With `pin: true` the block is pinned in the same step (Kubo: one `block/put?pin=true` call).
   */
  putJson(value: unknown, options?: PutOptions): Promise<PutResult>;
  /** Fetches a JSON document by CID and parses it (throws ContentStoreError if it is not JSON). */
  getJson(cid: string): Promise<unknown>;
  /** Stores a file (UnixFS, Kubo-compatible settings, see above). */
  putBytes(bytes: Uint8Array): Promise<PutResult>;
  /** Fetches the bytes of a file or raw block by CID (raw blocks and UnixFS files both work). */
  getBytes(cid: string): Promise<Uint8Array>;
  /** Pins a CID (recursively) so garbage collection keeps it. Idempotent. */
  pin(cid: string): Promise<void>;
  /** Whether the block of `cid` is held locally (never asks the network). */
  has(cid: string): Promise<boolean>;
  /** Releases the node/client; the store cannot be used afterwards. */
  close(): Promise<void>;
}

/** The IPFS node or daemon failed, or returned something unusable (HTTP API: 502/503). */
export class ContentStoreError extends BaseError {
  override name = "ContentStoreError";
}

/** No block for this CID in the store. */
export class ContentNotFoundError extends ContentStoreError {
  override name = "ContentNotFoundError";
  readonly cid: string;
  constructor(cid: string, options: { details?: string; cause?: unknown } = {}) {
    super(`content not found: ${cid}`, options);
    this.cid = cid;
  }
}

/** The bytes read back do not hash to the CID they were requested by: the block was altered. */
export class ContentIntegrityError extends ContentStoreError {
  override name = "ContentIntegrityError";
  readonly cid: string;
  constructor(cid: string, options: { details?: string; cause?: unknown } = {}) {
    super(`content does not match its CID (tampered block): ${cid}`, options);
    this.cid = cid;
  }
}

/** Largest canonical JSON document `putJson` accepts (Kubo's default block size limit). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** UnixFS import settings both implementations use for `putBytes` (Kubo's CIDv1 defaults). */
export const UNIXFS_IMPORT = {
  chunkSize: 262_144,
  maxChildrenPerNode: 174,
  rawLeaves: true,
  cidVersion: 1,
} as const;
