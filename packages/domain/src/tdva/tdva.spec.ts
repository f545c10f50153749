import { ReadingVerdict } from "@gridledger/protocol";
import { describe, expect, it } from "vitest";
import { packSegment, unpackSegment } from "@gridledger/protocol";
import { ValidationError } from "../errors.ts";
import { fingerprintJson } from "../fingerprint/index.ts";
import { loadShippedNetwork } from "../grid/shippedNetworks.ts";
import { solvePowerFlow } from "../grid/index.ts";
import {
  TdvaDocumentSchema,
  buildAlarmDocument,
  buildMeterDataDocument,
  buildSafetyReportDocument,
  budgetFor,
  byProviderAddress,
  contractOffer,
  deliveredProfile,
  dispatchArgs,
  expectedDeliveryWh,
  offerFromTerms,
  offerTerms,
  parseCurve,
  planDispatch,
  settleArgs,
  triggerArgs,
  eventReadingsArgs,
} from "./index.ts";

const network = loadShippedNetwork("six-node");
const before = solvePowerFlow(network);
// 001 section 4's four providers (bus, quote), under made-up addresses.
const providers = [
  {
    provider: "0x00000000000000000000000000000000000000d1",
    bus: "6",
    maxKW: 1200,
    curve: "600@0.4, 600@0.6",
  },
  {
    provider: "0x00000000000000000000000000000000000000a2",
    bus: "2",
    maxKW: 300,
    curve: "150@0.25,150@0.3",
  },
  {
    provider: "0x00000000000000000000000000000000000000b5",
    bus: "5",
    maxKW: 400,
    curve: "400@0.35",
  },
  {
    provider: "0x0000000000000000000000000000000000000001",
    bus: "1",
    maxKW: 100,
    curve: "100@0.2",
  },
];
const terms = providers.map((p) => ({
  ...p,
  terms: offerTerms({ maxKW: p.maxKW, segments: parseCurve(p.curve) }, 3_600),
}));
const ordered = byProviderAddress(terms);
const offers = ordered.map((p) => offerFromTerms(p.provider, p.bus, p.terms));
const plan = planDispatch({ network, requestedW: -700_000n, durationS: 3_600, offers });
const signed = ordered.map((p) =>
  contractOffer({
    provider: p.provider as `0x${string}`,
    maxPowerW: p.terms.maxPowerW,
    maxEnergyWh: p.terms.maxEnergyWh.toString(),
    signedAt: 10,
    segments: p.terms.segments.map(String),
    signature: "0x01",
  }),
);
const fp = { keccak256: `0x${"ab".repeat(32)}` as const, cid: "bafkreitest" };

describe("TDVA offers", () => {
  it("packs a quote into the registry's terms and back into the optimiser's offer", () => {
    const t = offerTerms(
      {
        maxKW: 300,
        segments: [
          { kw: 150, price: 0.25 },
          { kw: 150, price: 0.3 },
        ],
      },
      1_800,
    );
    expect(t.maxPowerW).toBe(300_000);
    expect(t.maxEnergyWh).toBe(150_000n); // 300 kW for half an hour
    expect(t.segments).toEqual([packSegment(150_000n, 250_000n), packSegment(150_000n, 300_000n)]);
    expect(unpackSegment(t.segments[1]!)).toEqual({ capacityW: 150_000n, pricePerKWh: 300_000n });
    expect(offerFromTerms("0xabc", "2", t)).toEqual({
      id: "0xabc",
      bus: "2",
      maxKW: 300,
      maxKWh: 150,
      segments: [
        { kw: 150, price: 0.25 },
        { kw: 150, price: 0.3 },
      ],
    });
  });

  it("refuses a quote without a positive power", () => {
    for (const maxKW of [0, -1, Number.NaN])
      expect(() => offerTerms({ maxKW, segments: [{ kw: 1, price: 1 }] }, 3_600)).toThrow(
        ValidationError,
      );
  });

  it("reads a price curve as typed and names the segment it cannot read", () => {
    expect(parseCurve(" 600@0.40, 600@0.60 ")).toEqual([
      { kw: 600, price: 0.4 },
      { kw: 600, price: 0.6 },
    ]);
    for (const bad of ["", "600", "600@", "0@0.1", "600@0.1234567", "400@0.35, x@1"])
      expect(() => parseCurve(bad)).toThrow(ValidationError);
  });

  it("orders offers by ascending provider address, as the registry requires", () => {
    expect(ordered.map((p) => p.bus)).toEqual(["1", "2", "5", "6"]);
  });
});

describe("TDVA plan and stage arguments", () => {
  it("plans the 700 kW reduction in merit order under the safety check", () => {
    expect(plan.status).toBe("optimal");
    expect(plan.safety?.safe).toBe(true);
    const [eventId, sent, watts, hash, cid, merit] = dispatchArgs(7n, signed, plan, fp);
    expect(eventId).toBe(7n);
    expect(sent.map((o) => o.provider)).toEqual(ordered.map((p) => p.provider));
    expect(watts.reduce((a, b) => a + b, 0)).toBe(700_000);
    expect(watts[0]).toBe(100_000); // the cheapest provider is used in full
    expect([hash, cid]).toEqual([fp.keccak256, fp.cid]);
    expect(merit).toBe(plan.constraints.length === 0);
    expect(budgetFor(plan)).toBe(BigInt(Math.ceil(plan.totalCost * 1.25 * 1_000_000)));
  });

  it("carries the alarm's fingerprint into the trigger", () => {
    const [params] = triggerArgs(
      {
        reason: 1,
        feederId: 6,
        requestedW: -700_000n,
        start: 200,
        duration: 3_600,
        quoteDeadline: 100,
        budget: 5n,
      },
      fp,
    );
    expect(params).toMatchObject({ dataHash: fp.keccak256, dataCid: fp.cid, budget: 5n });
  });

  it("pairs a bundle's baseline and event readings per dispatched line, and refuses half pairs", () => {
    expect(expectedDeliveryWh(150_000, 3_600, 0.8)).toBe(120_000n);
    const windows = { baseline: 11n, event: 12n };
    const [a, b] = [signed[0]!.provider, "0x00000000000000000000000000000000000000b0" as const];
    const lines = [a, b].map((provider) => ({ provider, allocationW: 1, segments: [] }));
    const reading = (participant: `0x${string}`, periodId: bigint) => ({
      meter: participant,
      participant,
      periodId,
      producedWh: 0n,
      consumedWh: 1n,
      sequence: periodId,
      verdict: ReadingVerdict.Trusted,
    });
    const bundleOf = (readings: ReturnType<typeof reading>[]) => ({
      batchId: 4n,
      readings,
      signatures: readings.map((_, i) => `0x0${i}` as `0x${string}`),
      proofs: readings.map(() => []),
    });
    // b's pair only (a has none in this bundle, left for another); reading order does not matter.
    const [, , entries] = eventReadingsArgs(
      9n,
      lines,
      bundleOf([reading(b, 12n), reading(a, 99n), reading(b, 11n)]),
      windows,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      index: 1n,
      baseline: { batchId: 4n, reading: { periodId: 11n }, signature: "0x02" },
      during: { reading: { periodId: 12n }, signature: "0x00" },
    });
    expect(() => eventReadingsArgs(9n, lines, bundleOf([reading(a, 11n)]), windows)).toThrow(
      /baseline reading of .* but not its event-window/,
    );
    expect(() => eventReadingsArgs(9n, lines, bundleOf([reading(a, 1n)]), windows)).toThrow(
      /no readings of event 9/,
    );
    const line = {
      provider: signed[0]!.provider,
      allocationW: 100_000,
      segments: signed[0]!.segments,
    };
    expect(settleArgs(3n, [line], [100_000n])).toEqual([3n, [line], [100_000n]]);
  });

  it("shows the voltages back in the band after full delivery", () => {
    const profile = deliveredProfile(
      network,
      before,
      plan.allocations.map((a) => ({
        bus: a.bus!,
        deliveredWh: expectedDeliveryWh(a.watts, 3_600),
      })),
      3_600,
    );
    expect(before.maxVoltage.vPu).toBeGreaterThan(network.limits.vMaxPu);
    expect(profile.withinLimits).toBe(true);
    expect(profile.voltages.map((v) => v.bus)).toEqual(before.buses.map((b) => b.id));
  });
});

describe("TDVA documents", () => {
  it("builds the three documents so that the document schema accepts each", async () => {
    const alarm = buildAlarmDocument(network.name, before);
    expect(alarm.maxVoltage.bus).toBe("6");
    const safety = buildSafetyReportDocument(
      7n,
      plan,
      ordered.map((p) => p.provider),
    );
    expect(safety.allocations.map((a) => a.watts)).toEqual(dispatchArgs(7n, signed, plan, fp)[2]);
    const meter = buildMeterDataDocument(7n, [
      { provider: ordered[0]!.provider, deliveredWh: 100_000n },
    ]);
    expect(meter.readings[0]).toEqual({ provider: ordered[0]!.provider, deliveredWh: "100000" });
    for (const doc of [alarm, safety, meter]) {
      expect(TdvaDocumentSchema.safeParse(doc).success).toBe(true);
      // What the store keeps is the JSON text: it must survive a round trip with the same CID.
      const copy: unknown = JSON.parse(JSON.stringify(doc));
      expect((await fingerprintJson(copy)).cid).toBe((await fingerprintJson(doc)).cid);
    }
  });

  it("refuses a plan without a safety report and documents of an unknown shape", () => {
    expect(() => buildSafetyReportDocument(1n, { ...plan, safety: null }, [])).toThrow(
      /safety report/,
    );
    const alarm = buildAlarmDocument(network.name, before);
    expect(TdvaDocumentSchema.safeParse({ ...alarm, kind: "other" }).success).toBe(false);
    expect(TdvaDocumentSchema.safeParse({ ...alarm, extra: 1 }).success).toBe(false);
    expect(
      TdvaDocumentSchema.safeParse({
        kind: "meter-readings",
        eventId: "1",
        readings: [{ provider: "0x1", deliveredWh: "1" }],
      }).success,
    ).toBe(false);
  });
});
