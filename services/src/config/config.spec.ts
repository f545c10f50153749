import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("fills the embedded defaults", () => {
    const config = loadConfig({});
    expect(config.RPC_URL).toBe("http://127.0.0.1:8545");
    expect(config.DATA_DIR).toBe(".gridledger/data");
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ RPC_URL: "not a url" })).toThrow(/RPC_URL/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });
});
