// @gridledger/protocol: every protocol fact the TypeScript side uses (decision 0003).
export { abis, type ContractName } from "./generated/abis.js";
export * from "./generated/facts.js";
export * from "./market.js";
export * from "./tdva.js";
export * from "./typedData.js";
export * from "./metering.js";
export * from "./governance.js";
