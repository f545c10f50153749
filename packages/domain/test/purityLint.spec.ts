import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The repository's own eslint.config.mjs, run on fixture text as if it were a file of the package.
const eslint = new ESLint({ cwd: fileURLToPath(new URL("../../..", import.meta.url)) });

/** The purity rules a snippet breaks when it sits at `filePath`. */
async function purityErrors(code: string, filePath = "packages/domain/src/fixture.ts") {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "no-restricted-globals")
    .map((m) => m.ruleId);
}

describe("packages/domain purity lint", () => {
  it.each([
    ['import { readFileSync } from "node:fs";', "a node: import"],
    ['import path from "path";', "a bare Node built-in"],
    ['import { readFile } from "fs/promises";', "a Node built-in subpath"],
    ['import neo4j from "neo4j-driver";', "a database driver"],
    ['import { Database } from "kuzu";', "the embedded graph"],
    ['import { createHeliaLight } from "@helia/utils";', "an IPFS node"],
    ['import express from "express";', "a server"],
    ['import { createPublicClient, http } from "viem";', "a chain client and transport"],
    ['import { privateKeyToAccount } from "viem/accounts";', "key handling"],
    ['import { main } from "@gridledger/services/cli";', "the services workspace"],
  ])("rejects %s (%s)", async (code) => {
    expect(await purityErrors(`${code}\nexport {};\n`)).toContain("no-restricted-imports");
  });

  it("rejects Node globals such as process and Buffer", async () => {
    expect(
      await purityErrors("export const a = process.env.X;\nexport const b = Buffer.from([]);\n"),
    ).toEqual(["no-restricted-globals", "no-restricted-globals"]);
  });

  it("accepts zod and viem's pure helpers", async () => {
    expect(
      await purityErrors(
        'import { z } from "zod";\nimport { keccak256, toHex } from "viem";\n' +
          "export const h = keccak256(toHex(z.string().parse('a')));\n",
      ),
    ).toEqual([]);
  });

  it("leaves the services workspace free to use Node", async () => {
    expect(
      await purityErrors(
        'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
        "services/src/fixture.ts",
      ),
    ).toEqual([]);
  });
});
