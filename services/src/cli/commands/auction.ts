import type { Command } from "commander";
import { parseWith } from "../../common/validate.ts";
import { AuctionInputSchema } from "../../market/auctionInput.ts";
import { matchOrders } from "../../market/matchOrders.ts";
import { clearOnChain } from "../../market/runOnChain.ts";
import { printJson, readJsonFile } from "../io.ts";

/**
 * `gridledger auction clear --input orders.json [--offchain]`: clears a double auction on an
 * in-process Hardhat network (or with the TypeScript reference) and prints the matches as JSON.
 */
export function registerAuction(program: Command): void {
  const auction = program
    .command("auction")
    .description("double auction with forecast compensation");
  auction
    .command("clear")
    .description(
      "clear a book of orders and print the matches (on an in-process Hardhat chain by default)",
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
}
