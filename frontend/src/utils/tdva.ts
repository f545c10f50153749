import {
  encodeAbiParameters,
  encodePacked,
  keccak256,
  toBytes,
  concat,
  type Address,
  type Hex,
} from "viem";

/** TDVA stage names in order (IDispatchRegistry.Stage 1..4). */
export const TDVA_STAGES = ["Trigger", "Dispatch", "Verify", "Settle"] as const;
export const TDVA_REASONS = [
  "Unspecified",
  "Over-voltage",
  "Under-voltage",
  "Upper-level instruction",
  "Peak shaving",
  "Congestion",
  "Other",
] as const;

export type TriggerRecord = {
  prev: Hex;
  operator: Address;
  stage: number;
  reason: number;
  feederId: number;
  createdAt: number;
  requestedW: bigint;
  start: number;
  duration: number;
  quoteDeadline: number;
  toleranceBps: number;
  budget: bigint;
  dataHash: Hex;
  dataCid: string;
};
export type DispatchRecord = {
  prev: Hex;
  allocationsHash: Hex;
  safetyReportHash: Hex;
  cost: bigint;
  allocatedW: bigint;
  providerCount: number;
  meritOrder: boolean;
  dispatchedAt: number;
  safetyReportCid: string;
};
export type VerifyRecord = {
  prev: Hex;
  deliveriesHash: Hex;
  meterDataHash: Hex;
  deliveredWh: bigint;
  verifiedAt: number;
  reporter: Address;
  meterDataCid: string;
};
export type SettleRecord = {
  prev: Hex;
  paymentsHash: Hex;
  paid: bigint;
  penalties: bigint;
  refund: bigint;
  settledAt: number;
};

const strHash = (s: string) => keccak256(toBytes(s));

/** The Trigger record's `prev`: keccak256(abi.encode(chainid, registry, eventId)). */
export function genesisLink(chainId: number, registry: Address, eventId: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "uint256" }],
      [BigInt(chainId), registry, eventId],
    ),
  );
}

/** DispatchRegistry._hashTrigger, recomputed in the browser. */
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

/** DispatchRegistry._hashDispatch. */
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

/** DispatchRegistry._hashVerify. */
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

/** DispatchRegistry._hashSettle. */
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
