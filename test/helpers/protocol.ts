/**
 * The protocol package (packages/protocol, ESM) loaded into Hardhat's CommonJS runtime through
 * tsx, with its own types: tests and scripts learn protocol facts from it like everyone else.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { require: tsxRequire } = require("tsx/cjs/api") as {
  require: (id: string, fromFile: string) => unknown;
};

export const protocol = tsxRequire(
  "../../packages/protocol/src/index.ts",
  __filename,
) as typeof import("../../packages/protocol/src/index.js");
