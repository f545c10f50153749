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
