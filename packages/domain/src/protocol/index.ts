// Entry point of @gridledger/domain/protocol: facts the contracts define (fingerprints, the
// DispatchRegistry's EIP-712 offer, the market's packed clearing records), kept here until they
// move to their own protocol package.
export * from "./fingerprint.ts";
export * from "./offerTypedData.ts";
export * from "./marketRecords.ts";
