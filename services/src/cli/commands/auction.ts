import type { Command } from "commander";
import { parseWith } from "@gridledger/domain/validate";
import {
  AuctionInputSchema,
  SettleInputSchema,
  matchOrders,
  settleOffChain,
} from "@gridledger/domain/market";
import { clearOnChain } from "../../market/clearOnChain.ts";
import { settleOnChain } from "../../market/settleOnChain.ts";
import { printJson, readJsonFile } from "../io.ts";

/**
 * `gridledger auction clear --input orders.json [--offchain]`: clears a double auction on a chain
 * (the configured one when it answers, else a throwaway devnet; decision 0458) or with the
 * TypeScript reference, and prints the matches as JSON.
 * `gridledger auction settle --input period.json [--offchain]`: clears one interval and settles
 * its delivery period against the meter readings; prints each match's payments and every
 * participant's net.
 */
export function registerAuction(program: Command): void {
  const auction = program
    .command("auction")
    .description("double auction with forecast compensation");
  auction
    .command("clear")
    .description(
      "clear a book of orders and print the matches (on-chain by default: RPC_URL, else a throwaway devnet)",
    )
    .requiredOption(
      "--input <file>",
      'JSON file {"orders":[{"id","side","price","quantity","renewable"}]}',
    )
    .option("--offchain", "use the TypeScript reference instead of the contracts")
    .action(async (options: { input: string; offchain?: boolean }) => {
      const input = parseWith(AuctionInputSchema, await readJsonFile(options.input), options.input);
      if (options.offchain) {
        printJson({ matches: matchOrders(input.orders) });
        return;
      }
      printJson(await clearOnChain(input));
    });
  auction
    .command("settle")
    .description(
      "clear a book and settle its delivery period against meter readings (on-chain by default: RPC_URL, else a throwaway devnet)",
    )
    .requiredOption(
      "--input <file>",
      'JSON file {"market":{"gridBuyPrice","feedInPrice","bandBps","bondRate","minQuantityWh"},"orders":[{"id","owner","side","price","quantity","renewable"}],"meters":{"<owner>":{"producedWh","consumedWh"}}}',
    )
    .option("--offchain", "use the TypeScript reference instead of the contracts")
    .action(async (options: { input: string; offchain?: boolean }) => {
      const input = parseWith(SettleInputSchema, await readJsonFile(options.input), options.input);
      if (options.offchain) {
        printJson(settleOffChain(input));
        return;
      }
      printJson(await settleOnChain(input));
    });
}
