import { exporter } from "ipfs-unixfs-exporter";
import { importBytes } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import { ValidationError } from "@gridledger/domain/errors";
import {
  ContentIntegrityError,
  ContentStoreError,
  MAX_JSON_BYTES,
  UNIXFS_IMPORT,
} from "./contentStore.ts";

/**
 * Block-level helpers shared by both content stores, so that Helia and Kubo import, address and
 * verify content the same way.
 */

/** Reads one block by CID from wherever a store keeps it (Helia blockstore, Kubo block/get). */
export type BlockReader = (cid: CID) => Promise<Uint8Array>;

/** Where the importer writes blocks. */
export type BlockWriter = { put(cid: CID, bytes: Uint8Array): unknown };

/** Parses a CID string; a malformed one is a ValidationError naming `cid`. */
export function parseCid(text: string): CID {
  try {
    return CID.parse(text).toV1();
  } catch (cause) {
    throw new ValidationError(
      [{ path: "cid", message: `not a CID: ${(cause as Error).message}` }],
      "CID",
    );
  }
}

/** CIDv1 (raw codec, sha2-256) of one block of bytes: what `putJson` stores JSON under. */
export async function rawCid(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes));
}

/** Rejects canonical JSON too large for a single block. */
export function checkJsonSize(bytes: Uint8Array): void {
  if (bytes.length > MAX_JSON_BYTES) {
    throw new ValidationError(
      [
        {
          path: "document",
          message: `canonical JSON is ${bytes.length} bytes; at most ${MAX_JSON_BYTES} (store it as a file)`,
        },
      ],
      "document",
    );
  }
}

const importOptions = {
  cidVersion: UNIXFS_IMPORT.cidVersion,
  rawLeaves: UNIXFS_IMPORT.rawLeaves,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: UNIXFS_IMPORT.chunkSize }),
  layout: balanced({ maxChildrenPerNode: UNIXFS_IMPORT.maxChildrenPerNode }),
} as const;

/**
 * Imports bytes as a UnixFS file with Kubo's CIDv1 settings (`ipfs add --cid-version=1`: 256 KiB
 * chunks, raw leaves, balanced DAG of at most 174 links), writing every block to `writer`.
 *
 * @example const cid = await importFile(bytes, helia.blockstore)
 */
export async function importFile(bytes: Uint8Array, writer: BlockWriter): Promise<CID> {
  const result = await importBytes(bytes, writer as never, importOptions);
  return result.cid;
}

/** The CID `importFile` would give, without storing anything. */
export async function fileCid(bytes: Uint8Array): Promise<CID> {
  return importFile(bytes, { put: (cid: CID) => cid });
}

/**
 * Checks that `bytes` hash to `cid`'s multihash; throws ContentIntegrityError when they do not.
 * Supports sha2-256 and identity hashes (the only ones GridLedger writes).
 */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  const code = cid.multihash.code;
  let digest: Uint8Array;
  if (code === sha256.code) digest = (await sha256.digest(bytes)).digest;
  else if (code === identity.code) digest = identity.digest(bytes).digest;
  else throw new ContentStoreError(`unsupported multihash 0x${code.toString(16)} in ${cid}`);
  const expected = cid.multihash.digest;
  if (digest.length !== expected.length || digest.some((b, i) => b !== expected[i])) {
    throw new ContentIntegrityError(cid.toString());
  }
}

/**
 * Reads a raw block or a UnixFS file through `readBlock`, verifying every block against its CID
 * before it is used, and returns the whole content.
 */
export async function readVerified(cid: CID, readBlock: BlockReader): Promise<Uint8Array> {
  const verifying = {
    async *get(c: CID) {
      const bytes = await readBlock(c);
      await verifyBlock(c, bytes);
      yield bytes;
    },
  };
  const entry = await exporter(cid, verifying);
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
    throw new ContentStoreError(`${cid} is a ${entry.type}, not a file or document`);
  }
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of entry.content()) {
    parts.push(chunk);
    length += chunk.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Parses JSON bytes read from a store; malformed content is a ContentStoreError. */
export function parseJsonBytes(cid: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ContentStoreError(`content ${cid} is not a JSON document`, { cause });
  }
}
