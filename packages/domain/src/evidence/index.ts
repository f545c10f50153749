// Entry point of @gridledger/domain/evidence: Dempster-Shafer combination, the eq. (9) decision
// and counterparty selection.
export * from "./massFunction.ts";
export * from "./combineMasses.ts";
export * from "./decide.ts";
export * from "./evaluateEvidence.ts";
export * from "./selectCounterparty.ts";
