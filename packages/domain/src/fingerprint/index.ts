// Entry point of @gridledger/domain/fingerprint: canonical-JSON fingerprints of off-chain data
// (keccak256 and sha-256 of RFC 8785 bytes), what anchors and records commit to. Contract facts
// (ABIs, enums, typed data, packed words) live in @gridledger/protocol.
export * from "./fingerprint.ts";
