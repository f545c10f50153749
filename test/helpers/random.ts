/**
 * The domain package's seeded PRNG (packages/domain, ESM) in Hardhat's CommonJS runtime through
 * tsx, so benches and the fuzzer draw the same sequences as the TypeScript side.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { require: tsxRequire } = require("tsx/cjs/api") as {
  require: (id: string, fromFile: string) => unknown;
};

export const { seededRandom } = tsxRequire(
  "../../packages/domain/src/random.ts",
  __filename,
) as typeof import("../../packages/domain/src/random.js");
