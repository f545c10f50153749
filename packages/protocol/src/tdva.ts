/**
 * TDVA record hashes and packed words, exactly as DispatchRegistry and TdvaRecords compute them
 * (decision 0200). The record types are the ABI's own struct types, so a field the contract adds
 * or retypes is a type error here. Differential tests: test/protocol/Protocol.test.ts.
 */
import {
  concat,
  encodeAbiParameters,
  encodePacked,
  keccak256,
  toBytes,
  type AbiParameterToPrimitiveType,
  type Address,
  type Hex,
} from "viem";
import { abis } from "./generated/abis.js";

type RegistryAbi = (typeof abis.DispatchRegistry)[number];
type FirstInputOf<Name extends string> = Extract<
  RegistryAbi,
  { type: "function"; name: Name }
>["inputs"][0];

/** IDispatchRegistry.TriggerRecord as viem decodes it. */
export type TriggerRecord = AbiParameterToPrimitiveType<FirstInputOf<"hashTrigger">>;
/** IDispatchRegistry.DispatchRecord. */
export type DispatchRecord = AbiParameterToPrimitiveType<FirstInputOf<"hashDispatch">>;
/** IDispatchRegistry.VerifyRecord. */
export type VerifyRecord = AbiParameterToPrimitiveType<FirstInputOf<"hashVerify">>;
/** IDispatchRegistry.SettleRecord. */
export type SettleRecord = AbiParameterToPrimitiveType<FirstInputOf<"hashSettle">>;

const strHash = (s: string) => keccak256(toBytes(s));

/** TdvaRecords.genesis: the Trigger record's `prev`, keccak256(abi.encode(chainid, registry, eventId)). */
export function genesisLink(chainId: number, registry: Address, eventId: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "uint256" }],
      [BigInt(chainId), registry, eventId],
    ),
  );
}

/** TdvaRecords.hashTrigger. */
export function hashTrigger(t: TriggerRecord): Hex {
  return keccak256(
    concat([
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "address" },
          { type: "uint8" },
          { type: "uint32" },
          { type: "uint40" },
          { type: "int64" },
        ],
        [t.prev, t.operator, t.reason, t.feederId, t.createdAt, t.requestedW],
      ),
      encodeAbiParameters(
        [
          { type: "uint40" },
          { type: "uint32" },
          { type: "uint40" },
          { type: "uint16" },
          { type: "uint128" },
          { type: "bytes32" },
          { type: "bytes32" },
        ],
        [
          t.start,
          t.duration,
          t.quoteDeadline,
          t.toleranceBps,
          t.budget,
          t.dataHash,
          strHash(t.dataCid),
        ],
      ),
    ]),
  );
}

/** TdvaRecords.hashDispatch. */
export function hashDispatch(d: DispatchRecord): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint128" },
        { type: "uint64" },
        { type: "uint16" },
        { type: "bool" },
        { type: "uint40" },
        { type: "bytes32" },
      ],
      [
        d.prev,
        d.allocationsHash,
        d.safetyReportHash,
        d.cost,
        d.allocatedW,
        d.providerCount,
        d.meritOrder,
        d.dispatchedAt,
        strHash(d.safetyReportCid),
      ],
    ),
  );
}

/** TdvaRecords.hashVerify. */
export function hashVerify(v: VerifyRecord): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint64" },
        { type: "uint40" },
        { type: "address" },
        { type: "bytes32" },
      ],
      [
        v.prev,
        v.deliveriesHash,
        v.meterDataHash,
        v.deliveredWh,
        v.verifiedAt,
        v.reporter,
        strHash(v.meterDataCid),
      ],
    ),
  );
}

/** TdvaRecords.hashSettle. */
export function hashSettle(a: SettleRecord): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint128" },
        { type: "uint128" },
        { type: "uint128" },
        { type: "uint40" },
      ],
      [a.prev, a.paymentsHash, a.paid, a.penalties, a.refund, a.settledAt],
    ),
  );
}

/**
 * Checks each written stage's link in the browser: Trigger.prev is the genesis link, and every
 * later stage's `prev` is the hash of the stage before. `true`/`false` per stage written.
 */
export function verifyLinks(
  chain: { chainId: number; registry: Address; eventId: bigint },
  stage: number,
  t: TriggerRecord,
  d: DispatchRecord,
  v: VerifyRecord,
  a: SettleRecord,
): boolean[] {
  const links: boolean[] = [];
  if (stage >= 1) links.push(t.prev === genesisLink(chain.chainId, chain.registry, chain.eventId));
  if (stage >= 2 && stage <= 4) links.push(d.prev === hashTrigger(t));
  if (stage >= 3 && stage <= 4) links.push(v.prev === hashDispatch(d));
  if (stage === 4) links.push(a.prev === hashVerify(v));
  return links;
}

/** An offer segment as the contract packs it: capacityW << 64 | pricePerKWh (base units). */
export function packSegment(capacityW: bigint, pricePerKWh: bigint): bigint {
  return (capacityW << 64n) | pricePerKWh;
}

/** Inverse of packSegment. */
export function unpackSegment(segment: bigint): { capacityW: bigint; pricePerKWh: bigint } {
  return { capacityW: segment >> 64n, pricePerKWh: segment & ((1n << 64n) - 1n) };
}

/** keccak256(abi.encodePacked(uint64[])) as the registry hashes delivered energy. */
export function deliveriesHash(deliveredWh: bigint[]): Hex {
  return keccak256(
    encodePacked(
      deliveredWh.map(() => "uint64" as const),
      deliveredWh,
    ),
  );
}

/** TdvaRecords.segmentsHash: keccak256(abi.encodePacked(uint96[])), each segment padded to 32 bytes. */
export function segmentsHash(segments: readonly bigint[]): Hex {
  // encodePacked pads array elements to 32 bytes, so each uint96 packs as a uint256 would.
  return keccak256(
    encodePacked(
      segments.map(() => "uint256" as const),
      [...segments],
    ),
  );
}

/** TdvaRecords.allocationLine: keccak256(abi.encode(provider, allocationW, segmentsHash)). */
export function allocationLine(
  provider: Address,
  allocationW: bigint,
  segments: readonly bigint[],
): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "uint256" }, { type: "bytes32" }],
      [provider, allocationW, segmentsHash(segments)],
    ),
  );
}

/** A provider's signed offer as the API's offer relay keeps it until the operator dispatches. */
export type SignedOffer = {
  eventId: string;
  provider: Address;
  maxPowerW: number;
  maxEnergyWh: string;
  signedAt: number;
  segments: string[];
  signature: Hex;
};
