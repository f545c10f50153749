import type { Config } from "wagmi";
import { signMessage } from "wagmi/actions";
import { fingerprintJson, type Fingerprint } from "@gridledger/domain/fingerprint";
import { tdvaDocumentMessage, type TdvaDocument } from "@gridledger/domain/tdva";
import { apiPost } from "./api.ts";

/** TDVA stage names in order (IDispatchRegistry.Stage 1..4). */
export const TDVA_STAGES = ["Trigger", "Dispatch", "Verify", "Settle"] as const;
export const TDVA_REASONS = [
  "Unspecified",
  "Over-voltage",
  "Under-voltage",
  "Upper-level instruction",
  "Peak shaving",
  "Congestion",
  "Other",
] as const;

// Record types, hashes and packed words are protocol facts: one definition, in the protocol package.
export {
  allocationLine,
  deliveriesHash,
  genesisLink,
  hashDispatch,
  hashSettle,
  hashTrigger,
  hashVerify,
  packSegment,
  segmentsHash,
  unpackSegment,
  verifyLinks,
  type DispatchRecord,
  type SettleRecord,
  type SignedOffer,
  type TriggerRecord,
  type VerifyRecord,
} from "@gridledger/protocol";

/**
 * Stores a TDVA document through the API before the transaction that records its CID: the
 * connected operator signs the document's CID (EIP-191) and the API pins the document under it.
 * Returns the fingerprint to put on-chain, refusing to go on if the API stored other bytes.
 */
export async function storeTdvaDocument(
  config: Config,
  document: TdvaDocument,
): Promise<Fingerprint> {
  const fp = await fingerprintJson(document);
  const signature = await signMessage(config, { message: tdvaDocumentMessage(fp.cid) });
  const stored = await apiPost<{ cid: string }>("/v1/dispatch/documents", { document, signature });
  if (stored.cid !== fp.cid)
    throw new Error(`The API stored the ${document.kind} under ${stored.cid}, not ${fp.cid}.`);
  return fp;
}
