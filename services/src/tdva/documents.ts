import { recoverMessageAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import {
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from "@gridledger/domain/errors";
import { fingerprintJson, type Fingerprint } from "@gridledger/domain/fingerprint";
import {
  TdvaDocumentSchema,
  tdvaDocumentMessage,
  type TdvaDocument,
} from "@gridledger/domain/tdva";
import { parseWith } from "@gridledger/domain/validate";
import { ContentNotFoundError, type ContentStore } from "../storage/contentStore.ts";
import type { ApiRole } from "../api/context.ts";

/** A TDVA document as stored: where it lives and the hash the registry records for it. */
export type StoredTdvaDocument = Pick<Fingerprint, "keccak256" | "cid"> & {
  kind: TdvaDocument["kind"];
};

/** Body of POST /v1/dispatch/documents: the document and the operator's EIP-191 signature. */
export const TdvaDocumentUploadSchema = z.strictObject({
  document: z.unknown(),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature"),
});

/**
 * Stores a TDVA document (pinned) and returns its fingerprint. The store writes the canonical
 * bytes, so its CID must be fingerprintJson's: a mismatch would put a dangling CID on-chain.
 * Without a store only the fingerprint is computed (a demo run without IPFS).
 */
export async function saveTdvaDocument(
  content: ContentStore | undefined,
  document: TdvaDocument,
): Promise<StoredTdvaDocument> {
  const fp = await fingerprintJson(document);
  if (content) {
    const { cid } = await content.putJson(document, { pin: true });
    if (cid !== fp.cid)
      throw new UpstreamError(`content store answered CID ${cid} for a document of CID ${fp.cid}`);
  }
  return { keccak256: fp.keccak256, cid: fp.cid, kind: document.kind };
}

/**
 * The API's side of TDVA documents: the web app stores the alarm, the safety report and the
 * meter data here before it sends the transaction that records their CID, so the CIDs on-chain
 * resolve. An upload is the document plus the operator's signature over its CID (the wallet is
 * the authentication, as for offers): only an account holding the operator role may pin data.
 *
 * @example
 *   const docs = new TdvaDocuments(content, rolesOf)
 *   const { cid } = await docs.upload({ document, signature })   // signature over tdvaDocumentMessage(cid)
 *   await docs.get(cid)
 */
export class TdvaDocuments {
  constructor(
    private readonly content: ContentStore,
    private readonly rolesOf: (address: Address) => Promise<ApiRole[]>,
  ) {}

  async upload(body: unknown): Promise<StoredTdvaDocument & { operator: Address }> {
    const { document, signature } = parseWith(
      TdvaDocumentUploadSchema,
      body,
      "TDVA document upload",
    );
    // Validate, but store what was sent: the CID covers the client's bytes, not a parsed copy.
    parseWith(TdvaDocumentSchema, document, "TDVA document");
    const fp = await fingerprintJson(document);
    // A well-formed 65-byte string may still be no signature at all (r = 0, s or v out of
    // range): viem throws, which is the caller's fault, not ours (422, not 500).
    const operator = await recoverMessageAddress({
      message: tdvaDocumentMessage(fp.cid),
      signature: signature as Hex,
    }).catch(() => {
      throw new ValidationError(
        [
          {
            path: "signature",
            message: "not a valid secp256k1 signature (r, s or v out of range)",
          },
        ],
        "TDVA document upload",
      );
    });
    const roles = await this.rolesOf(operator);
    if (!roles.includes("operator"))
      throw new ForbiddenError("only the operator stores TDVA documents", {
        details: `the signature recovers to ${operator}, which holds ${roles.join(", ") || "no role"}`,
      });
    const stored = await saveTdvaDocument(this.content, document as TdvaDocument);
    return { ...stored, operator };
  }

  /** The document stored under `cid`; 404 unless it is there and is a TDVA document. */
  async get(cid: string): Promise<TdvaDocument> {
    let value: unknown;
    try {
      value = await this.content.getJson(cid);
    } catch (error) {
      if (error instanceof ContentNotFoundError)
        throw new NotFoundError(`no document stored under ${cid}`);
      throw error;
    }
    const parsed = TdvaDocumentSchema.safeParse(value);
    if (!parsed.success) throw new NotFoundError(`${cid} is not a TDVA document`);
    return parsed.data;
  }
}
