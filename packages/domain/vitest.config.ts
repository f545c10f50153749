import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.spec.ts", "test/**/*.spec.ts"],
    // Two cores: run files in a couple of forks, never more.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
