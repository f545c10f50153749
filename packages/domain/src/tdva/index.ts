// Entry point of @gridledger/domain/tdva: the pure half of the TDVA workflow (documents behind
// the on-chain fingerprints, offer terms, the dispatch plan and the stages' call arguments).
export * from "./documents.ts";
export * from "./offers.ts";
export * from "./steps.ts";
