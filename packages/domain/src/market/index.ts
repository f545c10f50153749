// Entry point of @gridledger/domain/market: auction input schemas and the TypeScript reference of
// the market's clearing walk and settlement.
export * from "./auctionInput.ts";
export * from "./clearingLists.ts";
export * from "./matchOrders.ts";
export * from "./settlement.ts";
export * from "./clock.ts";
