// Entry point of @gridledger/domain/grid: the network model, power flow and safety check. The
// solvers' internals (sweep, Newton-Raphson, sparse LU) stay private to the package.
export * from "./network.ts";
export * from "./powerFlowTypes.ts";
export * from "./solvePowerFlow.ts";
export * from "./safetyCheck.ts";
export * from "./generateNetwork.ts";
