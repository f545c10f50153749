import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UpstreamError } from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import {
  AuctionMatchSchema,
  type AuctionInput,
  type AuctionMatch,
} from "@gridledger/domain/market";

/** Repository root (the Hardhat project), three levels above this file. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const CLEAR_SCRIPT = "scripts/market/auctionClear.ts";

export type OnChainResult = { matches: AuctionMatch[]; gas: { place: number; clear: number } };

const OnChainResultSchema = z.object({
  matches: z.array(AuctionMatchSchema),
  gas: z.object({ place: z.number().int().nonnegative(), clear: z.number().int().nonnegative() }),
});
const BatchSchema = z.object({ results: z.array(OnChainResultSchema) });

/**
 * Runs a Hardhat script of scripts/market (CommonJS, in-process network) on `payload` and returns
 * its JSON output.
 */
export async function runHardhatScript(script: string, payload: unknown): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), "gridledger-auction-"));
  try {
    const inputPath = join(dir, "input.json");
    const outputPath = join(dir, "output.json");
    await writeFile(inputPath, JSON.stringify(payload));
    const stderr: string[] = [];
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        process.execPath,
        ["--require", "ts-node/register/transpile-only", script, inputPath, outputPath],
        { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] },
      );
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
      child.on("error", fail);
      child.on("close", done);
    });
    if (code !== 0) {
      throw new UpstreamError("the in-process Hardhat run failed", {
        details: stderr.join("").slice(-4_000),
      });
    }
    return JSON.parse(await readFile(outputPath, "utf8")) as unknown;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one auction on an in-process Hardhat network: deploy, fund one participant per order,
 * place the orders in input order, close the gate, clear, read the Matched events.
 *
 * @example const { matches, gas } = await clearOnChain({ orders })
 */
export async function clearOnChain(input: AuctionInput): Promise<OnChainResult> {
  return parseWith(
    OnChainResultSchema,
    await runHardhatScript(CLEAR_SCRIPT, input),
    "on-chain auction output",
  );
}

/** Several books in one Hardhat process (used by the differential test). */
export async function clearManyOnChain(books: AuctionInput[]): Promise<OnChainResult[]> {
  return parseWith(
    BatchSchema,
    await runHardhatScript(CLEAR_SCRIPT, { books }),
    "on-chain auction output",
  ).results;
}
