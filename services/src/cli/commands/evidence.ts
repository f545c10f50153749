import type { Command } from "commander";
import {
  evaluateEvidence,
  selectCounterparty,
  type SelectionInput,
} from "@gridledger/domain/evidence";
import { printJson, readJsonFile } from "../io.ts";
import { resolveNetwork } from "./powerflow.ts";

/**
 * `gridledger evidence --input ds.json`: Dempster-Shafer fusion and the eq. (9) decision.
 * Input is either {frame, sources, epsilon1, epsilon2} (explicit masses) or
 * {candidates: [{id, bus, history}], trade?: {network, buyerBus, quantityKW}} (counterparty choice).
 */
export function registerEvidence(program: Command): void {
  program
    .command("evidence")
    .description(
      "fuse evidence with Dempster's rule and decide (002 eq. 6-9), or pick a counterparty from trading histories",
    )
    .requiredOption(
      "--input <file>",
      "JSON: {frame, sources, epsilon1, epsilon2} or {candidates, trade?}",
    )
    .action(async (options: { input: string }) => {
      const raw = await readJsonFile(options.input);
      if (raw && typeof raw === "object" && "candidates" in raw) {
        const input = { ...(raw as Record<string, unknown>) };
        const trade = input["trade"] as Record<string, unknown> | undefined;
        if (trade && typeof trade === "object" && typeof trade["network"] === "string")
          input["trade"] = { ...trade, network: resolveNetwork(trade["network"]) };
        printJson(selectCounterparty(input as SelectionInput));
      } else printJson(evaluateEvidence(raw));
    });
}
