/**
 * The MeteringLedger's leaf encoding and the reading a meter signs: what the metering gateway
 * builds its StandardMerkleTree from and what `MeteringLedger.leafOf` / `verifyReading` hash.
 */
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { ReadingVerdict } from "./generated/facts.js";
import { typedDataOf } from "./typedData.js";

/** One reading as the MeteringLedger's `Reading` struct carries it. */
export type MeterReading = {
  meter: Address;
  participant: Address;
  periodId: bigint;
  producedWh: bigint;
  consumedWh: bigint;
  sequence: bigint;
  verdict: ReadingVerdict;
};

/** StandardMerkleTree value types of a reading leaf, in `Reading` field order. */
export const METER_READING_LEAF_TYPES = [
  "address",
  "address",
  "uint256",
  "uint64",
  "uint64",
  "uint64",
  "uint8",
] as const;

/** A reading as the StandardMerkleTree value tuple (`StandardMerkleTree.of(values, types)`). */
export function meterReadingLeafValues(
  r: MeterReading,
): [Address, Address, bigint, bigint, bigint, bigint, number] {
  return [r.meter, r.participant, r.periodId, r.producedWh, r.consumedWh, r.sequence, r.verdict];
}

/** The leaf hash: `keccak256(bytes.concat(keccak256(abi.encode(values))))`. */
export function meterReadingLeaf(r: MeterReading): Hex {
  const encoded = encodeAbiParameters(
    METER_READING_LEAF_TYPES.map((type) => ({ type })),
    meterReadingLeafValues(r),
  );
  return keccak256(keccak256(encoded));
}

/** What a meter signs for the MeteringLedger (MeterReading), with its message. */
export function meteringReadingTypedData(
  chainId: number,
  ledger: Address,
  r: Pick<MeterReading, "meter" | "periodId" | "producedWh" | "consumedWh" | "sequence">,
) {
  return {
    ...typedDataOf("MeteringLedger", chainId, ledger),
    message: {
      meter: r.meter,
      periodId: r.periodId,
      producedWh: r.producedWh,
      consumedWh: r.consumedWh,
      sequence: r.sequence,
    },
  } as const;
}
