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

/** Where a feeder's alarm stands, judged from the newest TDVA event opened on that feeder. */
export type AlarmStatus =
  | { kind: "clear" }
  | { kind: "open" }
  | { kind: "handling"; eventId: bigint; stage: 1 | 2 | 3 }
  | { kind: "resolved"; eventId: bigint };

/**
 * The alarm a feeder's power flow raises, followed through the events opened for it: with no
 * violation it is clear; otherwise the newest event on the feeder that was not cancelled decides
 * (Triggered, Dispatched or Verified: being handled; Settled: resolved by that event); with no
 * such event the alarm is open. `events` may come in any order.
 * @example alarmStatus({ violations: 1, feederId: 1, events }) // { kind: "resolved", eventId: 1n }
 */
export function alarmStatus(input: {
  violations: number;
  feederId: number;
  events: readonly { id: bigint; trigger: { stage: number; feederId: number } }[];
}): AlarmStatus {
  if (input.violations === 0) return { kind: "clear" };
  const newest = input.events
    .filter((e) => e.trigger.feederId === input.feederId)
    .filter((e) => e.trigger.stage >= 1 && e.trigger.stage <= 4)
    .reduce<(typeof input.events)[number] | undefined>(
      (best, e) => (best === undefined || e.id > best.id ? e : best),
      undefined,
    );
  if (!newest) return { kind: "open" };
  const stage = newest.trigger.stage;
  return stage === 4
    ? { kind: "resolved", eventId: newest.id }
    : { kind: "handling", eventId: newest.id, stage: stage as 1 | 2 | 3 };
}
