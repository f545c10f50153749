import { describe, expect, it } from "vitest";
import { encodeAbiParameters, keccak256, zeroHash } from "viem";
import {
  alarmStatus,
  genesisLink,
  hashDispatch,
  hashTrigger,
  hashVerify,
  packSegment,
  unpackSegment,
  verifyLinks,
  type DispatchRecord,
  type SettleRecord,
  type TriggerRecord,
  type VerifyRecord,
} from "./tdva.ts";

const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const operator = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

function chain(): { t: TriggerRecord; d: DispatchRecord; v: VerifyRecord; a: SettleRecord } {
  const t: TriggerRecord = {
    prev: genesisLink(31337, registry, 1n),
    operator,
    stage: 4,
    reason: 1,
    feederId: 1,
    createdAt: 100,
    requestedW: -700_000n,
    start: 200,
    duration: 3600,
    quoteDeadline: 150,
    toleranceBps: 500,
    budget: 500_000_000n,
    dataHash: zeroHash,
    dataCid: "bafy-trigger",
  };
  const d: DispatchRecord = {
    prev: hashTrigger(t),
    allocationsHash: zeroHash,
    safetyReportHash: zeroHash,
    cost: 260_000_000n,
    allocatedW: 700_000n,
    providerCount: 2,
    meritOrder: true,
    dispatchedAt: 160,
    safetyReportCid: "bafy-safety",
  };
  const v: VerifyRecord = {
    prev: hashDispatch(d),
    deliveriesHash: zeroHash,
    meterDataHash: zeroHash,
    deliveredWh: 500_000n,
    verifiedAt: 4000,
    reporter: operator,
    meterDataCid: "bafy-meter",
  };
  const a: SettleRecord = {
    prev: hashVerify(v),
    paymentsHash: zeroHash,
    paid: 1n,
    penalties: 0n,
    refund: 2n,
    settledAt: 4001,
  };
  return { t, d, v, a };
}

describe("TDVA hash links", () => {
  it("computes the genesis link as keccak256(abi.encode(chainid, registry, eventId))", () => {
    const manual = keccak256(
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "address" }, { type: "uint256" }],
        [31337n, registry, 1n],
      ),
    );
    expect(genesisLink(31337, registry, 1n)).toBe(manual);
    expect(genesisLink(31337, registry, 2n)).not.toBe(manual);
  });

  it("verifies an intact four-stage chain and flags the stage after an edited record", () => {
    const { t, d, v, a } = chain();
    const ids = { chainId: 31337, registry, eventId: 1n } as const;
    expect(verifyLinks(ids, 4, t, d, v, a)).toEqual([true, true, true, true]);
    expect(verifyLinks(ids, 4, { ...t, budget: t.budget + 1n }, d, v, a)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(verifyLinks(ids, 4, t, { ...d, safetyReportCid: "bafy-other" }, v, a)).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(verifyLinks(ids, 2, t, d, v, a)).toEqual([true, true]);
    expect(verifyLinks({ ...ids, eventId: 9n }, 1, t, d, v, a)).toEqual([false]);
  });

  it("packs offer segments as capacityW << 64 | price", () => {
    const s = packSegment(600_000n, 400_000n);
    expect(s).toBe((600_000n << 64n) | 400_000n);
    expect(unpackSegment(s)).toEqual({ capacityW: 600_000n, pricePerKWh: 400_000n });
  });
});

describe("alarmStatus", () => {
  const ev = (id: bigint, stage: number, feederId = 1) => ({ id, trigger: { stage, feederId } });

  it("is clear without a violation, whatever the events", () => {
    expect(alarmStatus({ violations: 0, feederId: 1, events: [ev(1n, 1)] })).toEqual({
      kind: "clear",
    });
  });

  it("is open while no event on the feeder handles the violation", () => {
    expect(alarmStatus({ violations: 1, feederId: 1, events: [] })).toEqual({ kind: "open" });
    expect(alarmStatus({ violations: 1, feederId: 1, events: [ev(1n, 4, 2)] })).toEqual({
      kind: "open",
    });
    expect(alarmStatus({ violations: 1, feederId: 1, events: [ev(1n, 5)] })).toEqual({
      kind: "open",
    });
  });

  it("follows the newest event on the feeder through its stages", () => {
    for (const stage of [1, 2, 3] as const)
      expect(alarmStatus({ violations: 1, feederId: 1, events: [ev(3n, stage)] })).toEqual({
        kind: "handling",
        eventId: 3n,
        stage,
      });
    expect(alarmStatus({ violations: 1, feederId: 1, events: [ev(3n, 4)] })).toEqual({
      kind: "resolved",
      eventId: 3n,
    });
  });

  it("skips cancelled and other feeders' events and picks the newest id in any order", () => {
    const events = [ev(1n, 4), ev(4n, 5), ev(2n, 2), ev(5n, 1, 2)];
    expect(alarmStatus({ violations: 2, feederId: 1, events })).toEqual({
      kind: "handling",
      eventId: 2n,
      stage: 2,
    });
    expect(alarmStatus({ violations: 2, feederId: 1, events: [ev(2n, 4), ev(1n, 2)] })).toEqual({
      kind: "resolved",
      eventId: 2n,
    });
  });
});
