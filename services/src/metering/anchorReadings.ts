import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { parseEventLogs, type Address, type Hex } from "viem";
import { BaseError } from "@gridledger/domain/errors";
import {
  abis,
  METER_READING_LEAF_TYPES,
  meterReadingLeafValues,
  type MeterReading,
  type ReadingBundle,
} from "@gridledger/protocol";
import type { BatchReceipt, ChainSession } from "../chain/session.ts";

/**
 * The head-end's last step for readings the devices already signed: builds the batch's
 * StandardMerkleTree, anchors its root in the MeteringLedger from `from` (GATEWAY_ROLE) and
 * returns the bundle with one proof per reading. The market and TDVA workflows both use it; the
 * gateway service (gateway.ts) does the same with signature, sequence and comparison checks first.
 */
export async function anchorSignedReadings(
  chain: ChainSession,
  from: number,
  ledger: Address,
  signed: readonly { reading: MeterReading; signature: Hex }[],
  cid = "",
): Promise<{ receipts: BatchReceipt[]; bundle: ReadingBundle }> {
  if (signed.length === 0) throw new BaseError("no readings to anchor");
  const tree = StandardMerkleTree.of(
    signed.map((r) => meterReadingLeafValues(r.reading)),
    [...METER_READING_LEAF_TYPES],
  );
  const root = tree.root as Hex;
  const receipts = await chain.sendBatch([
    {
      label: `anchor meter batch ${root.slice(0, 10)}`,
      signer: from,
      gas: 200_000n,
      address: ledger,
      abi: abis.MeteringLedger,
      functionName: "anchorBatch",
      args: [root, signed.length, cid],
    },
  ]);
  const [event] = parseEventLogs({
    abi: abis.MeteringLedger,
    eventName: "BatchAnchored",
    logs: receipts.flatMap((r) => r.logs),
  });
  if (!event) throw new BaseError(`anchoring ${root} emitted no BatchAnchored event`);
  return {
    receipts,
    bundle: {
      chainId: chain.deployment.chainId,
      ledger,
      batchId: event.args.batchId,
      root,
      readings: signed.map((r) => r.reading),
      signatures: signed.map((r) => r.signature),
      proofs: signed.map((_, i) => tree.getProof(i) as Hex[]),
    },
  };
}
