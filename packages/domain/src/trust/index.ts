// Entry point of @gridledger/domain/trust: comparison of device-direct and aggregator series.
export * from "./compareSeries.ts";
