// Entry point of @gridledger/domain/dispatch: 001 eq. (7), exact merit order, ADMM and the
// safety re-run loop.
export * from "./dispatchTypes.ts";
export * from "./meritOrder.ts";
export * from "./admmDispatch.ts";
export * from "./optimiseDispatch.ts";
