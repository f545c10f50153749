import { describe, expect, it } from "vitest";
import { stringToHex, type ContractEventName } from "viem";
import type { abis } from "@gridledger/protocol";
import type { EventArgs, EventHandlers } from "./eventHandlers.ts";
import { graphWritesFor, type IndexedContract, type IndexedLog } from "./handlers.ts";

type Abis = typeof abis;
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const HASH = (byte: string) => `0x${byte.repeat(32)}` as const;

function log<C extends IndexedContract, E extends ContractEventName<Abis[C]>>(
  contract: C,
  eventName: E,
  args: EventArgs<Abis[C], E>,
  logIndex = 0,
): IndexedLog<C, E> {
  return {
    contract,
    eventName,
    args,
    txHash: `0x${"ab".repeat(32)}`,
    logIndex,
    blockNumber: 12,
    at: 1_700_000_000_000,
  };
}

describe("graphWritesFor", () => {
  it("links an order to its owner and interval with semantic ids", () => {
    const w = graphWritesFor(
      log("EnergyMarket", "OrderPlaced", {
        intervalId: 3n,
        orderId: 7n,
        owner: ALICE,
        side: 1,
        renewable: true,
        price: 120,
        quantity: 5000,
        locked: 600n,
      }),
    );
    const order = w.nodes.find((n) => n.label === "MarketRecord" && n.id === "order:3:7");
    expect(order).toMatchObject({
      kind: "order",
      props: { owner: ALICE.toLowerCase(), price: 120, status: "open" },
    });
    expect(w.edges).toEqual(
      expect.arrayContaining([
        {
          type: "PARTY_TO",
          from: { label: "Participant", id: ALICE.toLowerCase() },
          to: { label: "MarketRecord", id: "order:3:7" },
        },
        {
          type: "LEADS_TO",
          from: { label: "MarketRecord", id: "interval:3" },
          to: { label: "MarketRecord", id: "order:3:7" },
        },
      ]),
    );
    // every endpoint of every edge is written (upserted) by the same log
    for (const e of w.edges) {
      for (const end of [e.from, e.to]) {
        expect(w.nodes.some((n) => n.label === end.label && n.id === end.id)).toBe(true);
      }
    }
  });

  it("chains order → match → settlement and gives the same writes for the same log", () => {
    const matched = log("EnergyMarket", "Matched", {
      intervalId: 3n,
      sellOrderId: 7n,
      buyOrderId: 9n,
      quantity: 5000n,
      price: 125n,
    });
    const m = graphWritesFor(matched);
    expect(m.edges.map((e) => `${e.type}:${e.from.id}->${e.to.id}`).sort()).toEqual([
      "LEADS_TO:order:3:7->match:3:7:9",
      "LEADS_TO:order:3:9->match:3:7:9",
    ]);
    expect(graphWritesFor(matched)).toEqual(m);
    const s = graphWritesFor(
      log("EnergyMarket", "MatchSettled", {
        intervalId: 3n,
        sellOrderId: 7n,
        buyOrderId: 9n,
        value: 625n,
        sellerCompensation: 0n,
        buyerCompensation: 10n,
      }),
    );
    expect(s.edges).toEqual([
      {
        type: "LEADS_TO",
        from: { label: "MarketRecord", id: "match:3:7:9" },
        to: { label: "MarketRecord", id: "settlement:3:7:9" },
      },
    ]);
  });

  it("links a delivery period to the intervals trading it and to its meter readings", () => {
    const period = graphWritesFor(
      log("EnergyMarket", "PeriodOpened", {
        periodId: 2n,
        start: 1_700_003_600,
        duration: 900,
        meteringWindow: 3_600,
        gridBuyPrice: 250_000,
        feedInPrice: 50_000,
        bandBps: 500,
        bondRate: 10_000,
        minQuantity: 10,
      }),
    );
    expect(period.nodes).toEqual([
      expect.objectContaining({
        label: "MarketRecord",
        id: "period:2",
        kind: "period",
        props: expect.objectContaining({ bondRate: 10_000, minQuantity: 10, status: "open" }),
      }),
    ]);
    for (const [intervalId, kind] of [
      [3n, 0],
      [4n, 1],
    ] as const) {
      const w = graphWritesFor(
        log("EnergyMarket", "IntervalOpened", {
          intervalId,
          periodId: 2n,
          kind,
          gateClosure: 1_700_000_600,
        }),
      );
      expect(w.nodes.find((n) => n.id === `interval:${intervalId}`)?.props).toMatchObject({
        periodId: "2",
        kind,
        status: "open",
      });
      expect(w.edges).toEqual([
        {
          type: "LEADS_TO",
          from: { label: "MarketRecord", id: "period:2" },
          to: { label: "MarketRecord", id: `interval:${intervalId}` },
        },
      ]);
    }
    const reading = log("EnergyMarket", "MeterReported", {
      periodId: 2n,
      participant: ALICE,
      meter: BOB,
      batchId: 4n,
      produced: 3_000n,
      consumed: 0n,
    });
    const m = graphWritesFor(reading);
    const id = `meter:2:${ALICE.toLowerCase()}`;
    expect(m.nodes.find((n) => n.id === id)).toMatchObject({
      kind: "meter-report",
      props: { periodId: "2", produced: "3000", meter: BOB.toLowerCase(), batchId: "4" },
    });
    expect(m.edges.map((e) => `${e.type}:${e.from.id}->${e.to.id}`).sort()).toEqual([
      `LEADS_TO:period:2->${id}`,
      `PARTY_TO:${ALICE.toLowerCase()}->${id}`,
    ]);
    expect(graphWritesFor({ ...reading, logIndex: 5 }).nodes.map((n) => n.id)).toContain(id);
  });

  it("follows an interval through clearing records, restart, tally and settlement", () => {
    const props = <E extends ContractEventName<Abis["EnergyMarket"]>>(
      eventName: E,
      args: EventArgs<Abis["EnergyMarket"], E>,
      id: string,
    ) => graphWritesFor(log("EnergyMarket", eventName, args)).nodes.find((n) => n.id === id)?.props;
    expect(
      props("Unmatched", { intervalId: 3n, orderId: 7n, quantity: 1_000n }, "order:3:7"),
    ).toMatchObject({ unmatched: "1000", unmatchedAt: { blockNumber: 12, logIndex: 0 } });
    expect(
      props("ClearingRestarted", { intervalId: 3n, epoch: 1, omittedOrderId: 8n }, "interval:3"),
    ).toMatchObject({
      clearingEpoch: 1,
      omittedOrderId: "8",
      restartedAt: { blockNumber: 12, logIndex: 0 },
    });
    expect(
      props(
        "IntervalCleared",
        { intervalId: 3n, entryCount: 2n, entryHash: HASH("33") },
        "interval:3",
      ),
    ).toMatchObject({ status: "cleared", entryCount: "2", entryHash: HASH("33") });
    expect(
      props(
        "RemainderReleased",
        { intervalId: 3n, orderId: 7n, quantity: 1_000n, released: 150_000n },
        "order:3:7",
      ),
    ).toMatchObject({ unmatched: "1000", released: "150000" });
    expect(props("IntervalTallied", { intervalId: 3n, periodId: 2n }, "interval:3")).toMatchObject({
      status: "tallied",
      periodId: "2",
    });
    expect(props("IntervalSettled", { intervalId: 3n }, "interval:3")).toMatchObject({
      status: "settled",
    });
  });

  it("maps the four TDVA stages with the provider as party to its offer and settlement", () => {
    const offer = graphWritesFor(
      log("DispatchRegistry", "OfferAccepted", {
        eventId: 1n,
        provider: BOB,
        index: 0n,
        offerDigest: HASH("44"),
        allocationW: 1500,
        cost: 9n,
        offer: {
          provider: BOB,
          maxPowerW: 2000,
          maxEnergyWh: 4000n,
          signedAt: 1_700_000_000,
          segments: [1500n],
          signature: "0x",
        },
      }),
    );
    expect(offer.edges).toEqual(
      expect.arrayContaining([
        {
          type: "PARTY_TO",
          from: { label: "Participant", id: BOB.toLowerCase() },
          to: { label: "TdvaRecord", id: `tdva:1:offer:${BOB.toLowerCase()}` },
        },
        {
          type: "LEADS_TO",
          from: { label: "TdvaRecord", id: "tdva:1:trigger" },
          to: { label: "TdvaRecord", id: `tdva:1:offer:${BOB.toLowerCase()}` },
        },
      ]),
    );
    const recordHash = HASH("11");
    const stages = [
      [
        "dispatch",
        "tdva:1:trigger",
        graphWritesFor(
          log("DispatchRegistry", "TdvaDispatched", {
            eventId: 1n,
            record: {
              prev: HASH("01"),
              allocationsHash: HASH("02"),
              safetyReportHash: HASH("03"),
              cost: 1n,
              allocatedW: 1500n,
              providerCount: 1,
              meritOrder: true,
              dispatchedAt: 1_700_000_100,
              safetyReportCid: "bafy-safety",
            },
            recordHash,
          }),
        ),
        { prev: HASH("01"), cost: "1", allocatedW: "1500", providerCount: 1 },
      ],
      [
        "verify",
        "tdva:1:dispatch",
        graphWritesFor(
          log("DispatchRegistry", "TdvaVerified", {
            eventId: 1n,
            record: {
              prev: HASH("04"),
              deliveriesHash: HASH("05"),
              meterDataHash: HASH("06"),
              deliveredWh: 1n,
              verifiedAt: 1_700_000_200,
              reporter: ALICE,
              meterDataCid: "bafy-meter",
            },
            recordHash,
            deliveredWh: [1n],
          }),
        ),
        { prev: HASH("04"), deliveredWh: "1", reporter: ALICE },
      ],
      [
        "settle",
        "tdva:1:verify",
        graphWritesFor(
          log("DispatchRegistry", "TdvaSettled", {
            eventId: 1n,
            record: {
              prev: HASH("07"),
              paymentsHash: HASH("08"),
              paid: 1n,
              penalties: 0n,
              refund: 2n,
              settledAt: 1_700_000_300,
            },
            recordHash,
          }),
        ),
        { prev: HASH("07"), paid: "1", penalties: "0", refund: "2" },
      ],
    ] as const;
    for (const [kind, previous, w, record] of stages) {
      const node = w.nodes.find((n) => n.id === `tdva:1:${kind}`);
      expect(node?.kind).toBe(kind);
      expect(node?.props?.record).toMatchObject(record);
      expect(w.edges[0]?.from.id).toBe(previous);
    }
  });

  it("decodes the anchor kind and participant kinds, and ignores events it does not map", () => {
    const a = graphWritesFor(
      log("DataAnchor", "DataAnchored", {
        anchorId: 4n,
        root: HASH("22"),
        submitter: ALICE,
        kind: stringToHex("gridledger.trace", { size: 32 }),
        recordCount: 10n,
        cid: "bafy",
      }),
    );
    expect(a.nodes).toEqual([
      expect.objectContaining({ label: "Anchor", id: "4", kind: "gridledger.trace", cid: "bafy" }),
    ]);
    const p = graphWritesFor(
      log("ParticipantRegistry", "ParticipantApplied", {
        account: ALICE,
        kind: 10,
        renewable: false,
        feederId: 1,
        busId: 6,
        detailsHash: "0x00",
        detailsCid: "bafy",
        applicationHash: HASH("55"),
      }),
    );
    expect(p.nodes[0]).toMatchObject({
      label: "Participant",
      kind: "supplier",
      props: { busId: 6, status: "applied" },
    });
    const granted = { role: HASH("00"), account: ALICE, sender: BOB } as const;
    expect(graphWritesFor(log("EnergyMarket", "RoleGranted", granted))).toEqual({
      nodes: [],
      edges: [],
    });
  });
});

describe("EventHandlers", () => {
  it("rejects, at compile time, an event the ABI lacks and a field the event lacks", () => {
    const handlers = {
      // @ts-expect-error: EnergyMarket has no event OrderPlacd
      OrderPlacd: () => undefined,
      // @ts-expect-error: Matched has no field seller
      Matched: (a) => void a.seller,
    } satisfies EventHandlers<Abis["EnergyMarket"]>;
    expect(Object.keys(handlers)).toEqual(["OrderPlacd", "Matched"]);
  });
});
