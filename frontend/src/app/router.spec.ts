import { describe, expect, it } from "vitest";
import { parseHash } from "./router.ts";

describe("parseHash", () => {
  it("routes known pages, keeps the parameter and falls back to the account page", () => {
    expect(parseHash("#/market")).toEqual({ page: "market", param: "" });
    expect(parseHash("#/trace/batch%207/x?q=1")).toEqual({ page: "trace", param: "batch 7/x" });
    expect(parseHash("")).toEqual({ page: "account", param: "" });
    expect(parseHash("#/nowhere")).toEqual({ page: "account", param: "" });
  });
});
