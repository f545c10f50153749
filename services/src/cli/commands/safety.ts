import type { Command } from "commander";
import { checkSafetyWithFingerprint } from "@gridledger/domain/grid";
import { printJson, readJsonFile } from "../io.ts";
import { resolveNetwork } from "./powerflow.ts";

/**
 * `gridledger safety --input tx.json`: power flow before/after a set of trades or allocations,
 * violations, which transactions are safe, and the keccak256 of the canonical report.
 * Input: {"network": <network or shipped name>, "transactions": [{"id", "injections": [{"bus","kw","kvar"}]}],
 * "islanded": {"ratedKW", "droopPct"}?}
 */
export function registerSafety(program: Command): void {
  program
    .command("safety")
    .description(
      "safety-check trades or dispatch allocations with a power flow; fingerprint the report",
    )
    .requiredOption("--input <file>", "JSON: {network, transactions, islanded?}")
    .option("--fail-unsafe", "exit 1 when a transaction is unsafe")
    .action(async (options: { input: string; failUnsafe?: boolean }) => {
      const raw = (await readJsonFile(options.input)) as Record<string, unknown> | null;
      const input =
        raw && typeof raw === "object" && typeof raw["network"] === "string"
          ? { ...raw, network: resolveNetwork(raw["network"]) }
          : raw;
      const { report, fingerprint } = await checkSafetyWithFingerprint(
        input as Parameters<typeof checkSafetyWithFingerprint>[0],
      );
      printJson({ ...report, fingerprint });
      if (options.failUnsafe && !report.safe) process.exitCode = 1;
    });
}
