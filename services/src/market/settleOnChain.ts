import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";
import { type SettleInput, type SettleOutput, formatMilliUnits } from "@gridledger/domain/market";
import { runHardhatScript } from "./runOnChain.ts";

const milli = z.string().regex(/^-?\d+$/);
const ResultSchema = z.object({
  matches: z.array(
    z.object({
      sell: z.string(),
      buy: z.string(),
      quantity: z.number().int().positive(),
      price: z.number().int().nonnegative(),
      energy: milli,
      sellerCompensation: milli,
      buyerCompensation: milli,
    }),
  ),
  participants: z.array(z.object({ owner: z.string(), netMilliUnits: milli })),
});
const BatchSchema = z.object({ results: z.array(ResultSchema) });

/**
 * Settles `auction settle` inputs on an in-process Hardhat network (one account per owner;
 * place, clear, tally, report the meters, settle) in one Hardhat process, in the same shape as
 * `settleOffChain`.
 *
 * @example const [{ matches, participants }] = await settleManyOnChain([input])
 */
export async function settleManyOnChain(inputs: SettleInput[]): Promise<SettleOutput[]> {
  const out = parseWith(
    BatchSchema,
    await runHardhatScript("scripts/market/auctionSettle.ts", { books: inputs }),
    "on-chain settle output",
  );
  return out.results.map((r) => ({
    matches: r.matches,
    participants: r.participants
      .map((p) => ({
        owner: p.owner,
        net: Number(formatMilliUnits(BigInt(p.netMilliUnits))),
        netMilliUnits: p.netMilliUnits,
      }))
      .sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0)),
  }));
}

/**
 * One `auction settle` input on an in-process Hardhat network.
 *
 * @example const { matches, participants } = await settleOnChain(input)
 */
export async function settleOnChain(input: SettleInput): Promise<SettleOutput> {
  return (await settleManyOnChain([input]))[0]!;
}
