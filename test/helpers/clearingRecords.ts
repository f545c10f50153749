import type { Log, TransactionReceipt } from "ethers";
import type { EnergyMarket } from "../../typechain-types";
import { protocol } from "./protocol";

/**
 * The clearing records (Matched and Unmatched, packed as `tally`/`settle` take them) of the given
 * receipts, in log order; a ClearingRestarted drops the records of the walk it discarded.
 */
export function clearingRecords(
  market: EnergyMarket,
  receipts: readonly Pick<TransactionReceipt, "logs">[],
): bigint[] {
  const out: bigint[] = [];
  for (const log of receipts.flatMap((r) => r.logs as readonly Log[])) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name === "Matched") {
      const [, sell, buy, q, p] = parsed.args as unknown as bigint[];
      out.push(protocol.packMatchRecord(sell!, buy!, q!, p!));
    } else if (parsed?.name === "Unmatched") {
      const [, orderId, q] = parsed.args as unknown as bigint[];
      out.push(protocol.packUnmatchedRecord(orderId!, q!));
    } else if (parsed?.name === "ClearingRestarted") {
      out.length = 0;
    }
  }
  return out;
}
