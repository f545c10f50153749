import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  deviation,
  formatMilliUnits,
  lockAmount,
  lockRate,
  matchFlows,
  settlePeriod,
  type MeterReading,
  type SettlementOrder,
  type SettlementParams,
} from "./settlement.ts";

const order = (
  id: string,
  owner: string,
  side: "buy" | "sell",
  price: number,
  quantity: number,
  renewable = false,
): SettlementOrder => ({ id, owner, side, price, quantity, renewable });
const net = (r: ReturnType<typeof settlePeriod>) =>
  Object.fromEntries(r.participants.map((p) => [p.owner, p.net]));

/** G = 300, F = 50 base units per kWh, band 5 %. */
const params: SettlementParams = { gridBuyPrice: 300, feedInPrice: 50, bandBps: 500 };

describe("settlePeriod: worked examples (G = 300, F = 50, band 500 bps)", () => {
  it("a seller short by 30 % pays its buyer for the shortfall beyond the band", () => {
    // alice sells 10 000 Wh at 100, bob bids 200 for 10 000 Wh: one match, p = floor(300/2) = 150.
    // alice meters 7 000 produced: S = 10 000, B = 0, X = 10 000, Y = 7 000, A = 3 000, U = 0.
    // bob meters 10 000 consumed: X = Y = −10 000, A = U = 0.
    // a = q·A/S = 3 000 ≥ c = 0, so E = floor(150·10 000·(10 000 − 3 000)/10 000) = 1 050 000.
    // den = 10 000·10 000·10 000 = 10^12;
    // num = 10 000·(3 000·10 000·10 000 − 0 − 500·10 000·10 000) = 10 000·2.5·10^11 = 2.5·10^15;
    // sellerComp = floor((300 − 150)·2.5·10^15 / 10^12) = 375 000 (= 2 500 Wh beyond the band at
    // G − p = 150 per kWh). alice: +1 050 000 − 375 000 = 675 000; bob: −675 000 (milli-units).
    const r = settlePeriod(
      params,
      [
        {
          orders: [order("s", "alice", "sell", 100, 10_000), order("b", "bob", "buy", 200, 10_000)],
        },
      ],
      { alice: { producedWh: 7_000, consumedWh: 0 }, bob: { producedWh: 0, consumedWh: 10_000 } },
    );
    expect(r.intervals[0]!.flows).toEqual([
      {
        sell: "s",
        buy: "b",
        quantity: 10_000,
        price: 150,
        seller: "alice",
        buyer: "bob",
        energy: 1_050_000n,
        sellerCompensation: 375_000n,
        buyerCompensation: 0n,
      },
    ]);
    expect(r.participants).toEqual([
      { owner: "alice", received: 1_050_000n, paid: 375_000n, net: 675_000n },
      { owner: "bob", received: 375_000n, paid: 1_050_000n, net: -675_000n },
    ]);
    expect(r.positions.find((p) => p.owner === "alice")).toMatchObject({
      sold: 10_000n,
      bought: 0n,
      shortfall: 3_000n,
      underUse: 0n,
      reported: true,
    });
  });

  it("a buyer under-using by half pays its seller the feed-in loss beyond the band", () => {
    // carol sells 4 000 Wh at 120, dave bids 180: p = 150. carol meters exactly 4 000 produced.
    // dave consumes 2 000: X = −4 000, Y = −2 000, U = min(4 000, 2 000) = 2 000, A = 0.
    // c = q·U/B = 2 000 > a = 0: E = floor(150·4 000·(4 000 − 2 000)/4 000) = 300 000.
    // den = 4 000·4 000·10 000 = 1.6·10^11;
    // num = 4 000·(2 000·4 000·10 000 − 0 − 500·4 000·4 000) = 4 000·7.2·10^10 = 2.88·10^14;
    // buyerComp = floor((150 − 50)·2.88·10^14 / 1.6·10^11) = 180 000 (1 800 Wh at p − F = 100).
    // dave pays 300 000 + 180 000 = 480 000; carol receives it.
    const r = settlePeriod(
      params,
      [
        {
          orders: [order("s", "carol", "sell", 120, 4_000), order("b", "dave", "buy", 180, 4_000)],
        },
      ],
      { carol: { producedWh: 4_000, consumedWh: 0 }, dave: { producedWh: 0, consumedWh: 2_000 } },
    );
    expect(r.intervals[0]!.flows[0]).toMatchObject({
      energy: 300_000n,
      sellerCompensation: 0n,
      buyerCompensation: 180_000n,
    });
    expect(r.participants).toEqual([
      { owner: "carol", received: 480_000n, paid: 0n, net: 480_000n },
      { owner: "dave", received: 0n, paid: 480_000n, net: -480_000n },
    ]);
  });

  it("nets a period over intervals: sold 10 kWh day-ahead, bought 4 back intraday, metered 6 net", () => {
    // Day-ahead: erin sells 10 000 at 100 to frank (bid 200): p = 150, E = 1 500 000.
    // Intraday: erin buys 4 000 at 220 from gina (ask 180): p = 200, E = 800 000.
    // erin: S = 10 000, B = 4 000, X = 6 000; metered P − C = 6 000 = Y, so A = U = 0 and no
    // compensation either way, whether she metered 6 000/0 or 9 000/3 000.
    // erin +1 500 000 − 800 000 = 700 000; frank −1 500 000; gina +800 000.
    const intervals = [
      {
        orders: [
          order("da-s", "erin", "sell", 100, 10_000),
          order("da-b", "frank", "buy", 200, 10_000),
        ],
      },
      {
        orders: [
          order("id-s", "gina", "sell", 180, 4_000),
          order("id-b", "erin", "buy", 220, 4_000),
        ],
      },
    ];
    for (const erin of [
      { producedWh: 6_000, consumedWh: 0 },
      { producedWh: 9_000, consumedWh: 3_000 },
    ]) {
      const r = settlePeriod(params, intervals, {
        erin,
        frank: { producedWh: 0, consumedWh: 10_000 },
        gina: { producedWh: 4_000, consumedWh: 0 },
      });
      for (const i of r.intervals)
        for (const f of i.flows) {
          expect(f.sellerCompensation).toBe(0n);
          expect(f.buyerCompensation).toBe(0n);
        }
      expect(r.intervals.map((i) => i.flows.map((f) => f.energy))).toEqual([
        [1_500_000n],
        [800_000n],
      ]);
      expect(r.participants).toEqual([
        { owner: "erin", received: 1_500_000n, paid: 800_000n, net: 700_000n },
        { owner: "frank", received: 0n, paid: 1_500_000n, net: -1_500_000n },
        { owner: "gina", received: 800_000n, paid: 0n, net: 800_000n },
      ]);
    }
    // Settled on the day-ahead interval alone, the same reading would be 4 000 Wh short.
    const alone = settlePeriod(params, [intervals[0]!], {
      erin: { producedWh: 6_000, consumedWh: 0 },
    });
    expect(alone.intervals[0]!.flows[0]!.sellerCompensation).toBeGreaterThan(0n);
  });

  it("offsets a seller's shortfall against its buyer's under-use in the same match", () => {
    // A = 3 000, U = 1 000 on q = S = B = 10 000: a > c, E = 1 050 000,
    // num = 10 000·(3·10^11 − 10^11 − 5·10^10) = 1.5·10^15, sellerComp = 150·1 500 = 225 000.
    const r = settlePeriod(
      params,
      [
        {
          orders: [order("s", "alice", "sell", 100, 10_000), order("b", "bob", "buy", 200, 10_000)],
        },
      ],
      { alice: { producedWh: 7_000, consumedWh: 0 }, bob: { producedWh: 0, consumedWh: 9_000 } },
    );
    expect(r.intervals[0]!.flows[0]).toMatchObject({
      energy: 1_050_000n,
      sellerCompensation: 225_000n,
      buyerCompensation: 0n,
    });
  });

  it("owes nothing within the band and rounds each flow down", () => {
    // 4 % short < 5 % band: num < 0, no compensation; E = 150·9 600 = 1 440 000.
    const inBand = settlePeriod(
      params,
      [
        {
          orders: [order("s", "alice", "sell", 100, 10_000), order("b", "bob", "buy", 200, 10_000)],
        },
      ],
      { alice: { producedWh: 9_600, consumedWh: 0 }, bob: { producedWh: 0, consumedWh: 10_000 } },
    );
    expect(inBand.intervals[0]!.flows[0]).toMatchObject({
      energy: 1_440_000n,
      sellerCompensation: 0n,
      buyerCompensation: 0n,
    });
    // s sells 5 000 at 100; b1 bids 201 for 3 001 (p = 150), b2 199 for 1 999 (p = 149).
    // s produces 3 333: S = 5 000, A = 1 667.
    // m1: E = floor(150·3 001·3 333/5 000) = floor(300 069.99) = 300 069;
    //     sellerComp = floor(150·3 001·(1 667·10 000 − 500·5 000)/(5 000·10 000)) = floor(127 572.51) = 127 572.
    // m2: E = floor(149·1 999·3 333/5 000) = floor(198 547.48) = 198 547;
    //     sellerComp = floor(151·1 999·14 170 000/50 000 000) = floor(85 544.6) = 85 544.
    const r = settlePeriod(
      params,
      [
        {
          orders: [
            order("s", "s", "sell", 100, 5_000),
            order("b1", "b1", "buy", 201, 3_001),
            order("b2", "b2", "buy", 199, 1_999),
          ],
        },
      ],
      {
        s: { producedWh: 3_333, consumedWh: 0 },
        b1: { producedWh: 0, consumedWh: 3_001 },
        b2: { producedWh: 0, consumedWh: 1_999 },
      },
    );
    expect(r.intervals[0]!.flows.map((f) => [f.price, f.energy, f.sellerCompensation])).toEqual([
      [150, 300_069n, 127_572n],
      [149, 198_547n, 85_544n],
    ]);
    expect(net(r)).toEqual({ b1: -172_497n, b2: -113_003n, s: 285_500n });
  });

  it("compensates nothing at a price beyond the grid prices, and nothing when a = c", () => {
    // One match of 1 000 Wh at p = floor((140 + 170) / 2) = 155.
    const book = [
      { orders: [order("s", "a", "sell", 140, 1_000), order("b", "b", "buy", 170, 1_000)] },
    ];
    const flow = (p: SettlementParams, meters: Record<string, MeterReading>) =>
      settlePeriod(p, book, meters).intervals[0]!.flows[0]!;
    const none = { energy: 0n, sellerCompensation: 0n, buyerCompensation: 0n };
    // Seller fully short, buyer exact, G = 150 ≤ p: max(0, G − p) = 0.
    expect(
      flow(
        { gridBuyPrice: 150, feedInPrice: 100, bandBps: 0 },
        { a: { producedWh: 0, consumedWh: 0 }, b: { producedWh: 0, consumedWh: 1_000 } },
      ),
    ).toMatchObject(none);
    // Seller exact, buyer consumes nothing, F = 160 ≥ p: max(0, p − F) = 0; E = 0 (U = B).
    expect(
      flow(
        { gridBuyPrice: 200, feedInPrice: 160, bandBps: 0 },
        { a: { producedWh: 1_000, consumedWh: 0 }, b: { producedWh: 0, consumedWh: 0 } },
      ),
    ).toMatchObject(none);
    // ... and with F = 100 the buyer pays 55 per kWh for all 1 000 Wh: 55 000.
    expect(
      flow(
        { gridBuyPrice: 200, feedInPrice: 100, bandBps: 0 },
        { a: { producedWh: 1_000, consumedWh: 0 }, b: { producedWh: 0, consumedWh: 0 } },
      ),
    ).toMatchObject({ ...none, buyerCompensation: 55_000n });
    // Both fully off (a = c = q): E = floor(p·q·(S − A)/S) = 0 and neither compensates.
    expect(
      flow(
        { gridBuyPrice: 400, feedInPrice: 0, bandBps: 0 },
        { a: { producedWh: 0, consumedWh: 0 }, b: { producedWh: 0, consumedWh: 0 } },
      ),
    ).toMatchObject(none);
  });
});

describe("settlePeriod: missing readings", () => {
  const book = [
    { orders: [order("s", "hank", "sell", 100, 10_000), order("b", "ivy", "buy", 200, 10_000)] },
  ];
  const honest = {
    hank: { producedWh: 10_000, consumedWh: 0 },
    ivy: { producedWh: 0, consumedWh: 10_000 },
  };

  it("settles a seller without a reading as fully short", () => {
    // P = 0, C = B = 0: A = S = 10 000. E = 0; num = 10 000·(10^12 − 5·10^10) = 9.5·10^15,
    // sellerComp = floor(150·9.5·10^15/10^12) = 1 425 000.
    const r = settlePeriod(params, book, { ivy: honest.ivy });
    expect(r.intervals[0]!.flows[0]).toMatchObject({
      energy: 0n,
      sellerCompensation: 1_425_000n,
      buyerCompensation: 0n,
    });
    expect(net(r)).toEqual({ hank: -1_425_000n, ivy: 1_425_000n });
    expect(r.positions.find((p) => p.owner === "hank")).toMatchObject({
      reported: false,
      produced: 0n,
      consumed: 0n,
      shortfall: 10_000n,
    });
    expect(net(settlePeriod(params, book, honest))).toEqual({ hank: 1_500_000n, ivy: -1_500_000n });
  });

  it("settles a buyer without a reading as having consumed what it bought", () => {
    // P = 0, C = B: U = 0, the same as an honest reading (never cheaper than one that under-uses).
    const r = settlePeriod(params, book, { hank: honest.hank });
    expect(net(r)).toEqual({ hank: 1_500_000n, ivy: -1_500_000n });
    expect(r.positions.find((p) => p.owner === "ivy")).toMatchObject({
      reported: false,
      consumed: 10_000n,
      underUse: 0n,
    });
    const underUsing = settlePeriod(params, book, {
      ...honest,
      ivy: { producedWh: 0, consumedWh: 5_000 },
    });
    expect(net(underUsing).ivy!).toBeGreaterThan(-1_500_000n);
  });

  it("settles both sides missing as the seller missing", () => {
    expect(net(settlePeriod(params, book, {}))).toEqual({ hank: -1_425_000n, ivy: 1_425_000n });
  });
});

describe("settlement helpers", () => {
  it("derives shortfall and under-use from planned and metered net export", () => {
    expect(deviation(10_000n, 4_000n, { producedWh: 6_000, consumedWh: 0 })).toMatchObject({
      shortfall: 0n,
      underUse: 0n,
    });
    // Planned +6 000, metered +1 000: short 5 000 (capped by S).
    expect(deviation(10_000n, 4_000n, { producedWh: 1_000, consumedWh: 0 }).shortfall).toBe(5_000n);
    // Planned +6 000, metered +20 000: over-export by 14 000 counts as under-use of the buys (≤ B).
    expect(deviation(10_000n, 4_000n, { producedWh: 20_000, consumedWh: 0 }).underUse).toBe(4_000n);
    expect(deviation(0n, 0n, undefined)).toEqual({
      produced: 0n,
      consumed: 0n,
      shortfall: 0n,
      underUse: 0n,
    });
  });

  it("computes the escrow rates", () => {
    const market = { gridBuyPrice: 300, bondRate: 5 };
    expect(lockRate({ side: "buy", price: 200 }, market)).toBe(200n);
    expect(lockRate({ side: "buy", price: 3 }, market)).toBe(5n);
    expect(lockRate({ side: "sell", price: 100 }, market)).toBe(200n);
    expect(lockRate({ side: "sell", price: 298 }, market)).toBe(5n);
    expect(lockRate({ side: "sell", price: 400 }, market)).toBe(5n);
    expect(lockRate({ side: "sell", price: 400 }, { gridBuyPrice: 300, bondRate: 0 })).toBe(0n);
    expect(lockAmount({ side: "buy", price: 200, quantity: 10_000 }, market)).toBe(2_000_000n);
  });

  it("formats milli-units with three decimals", () => {
    expect(formatMilliUnits(0n)).toBe("0.000");
    expect(formatMilliUnits(675_000n)).toBe("675.000");
    expect(formatMilliUnits(-172_497n)).toBe("-172.497");
    expect(formatMilliUnits(-5n)).toBe("-0.005");
  });

  it("rejects bad parameters and impossible matches", () => {
    expect(() => settlePeriod({ ...params, feedInPrice: 301 }, [], {})).toThrow(/feedInPrice/);
    expect(() => settlePeriod({ ...params, bandBps: 10_001 }, [], {})).toThrow(/bandBps/);
    expect(() =>
      matchFlows(1n, 2n, { sold: 1n, shortfall: 0n }, { bought: 2n, underUse: 0n }, params),
    ).toThrow(RangeError);
  });
});

describe("settlePeriod: properties", () => {
  const OWNERS = ["a", "b", "c", "d", "e"];
  const periodArb = fc
    .record({
      g: fc.integer({ min: 0, max: 400 }),
      fBps: fc.integer({ min: 0, max: 10_000 }),
      bandBps: fc.oneof(fc.constant(0), fc.constant(10_000), fc.integer({ min: 0, max: 10_000 })),
      bondRate: fc.integer({ min: 0, max: 50 }),
      renewableOwner: fc.array(fc.boolean(), {
        minLength: OWNERS.length,
        maxLength: OWNERS.length,
      }),
      intervals: fc.array(
        fc.array(
          fc.record({
            owner: fc.constantFrom(...OWNERS),
            side: fc.constantFrom("buy" as const, "sell" as const),
            price: fc.integer({ min: 1, max: 400 }),
            quantity: fc.integer({ min: 1, max: 5_000 }),
            cancelled: fc.integer({ min: 0, max: 6 }).map((x) => x === 0),
          }),
          { maxLength: 16 },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      meters: fc.array(
        fc.option(
          fc.record({
            producedWh: fc.integer({ min: 0, max: 20_000 }),
            consumedWh: fc.integer({ min: 0, max: 20_000 }),
          }),
        ),
        { minLength: OWNERS.length, maxLength: OWNERS.length },
      ),
    })
    .map((r) => {
      const settleParams: SettlementParams = {
        gridBuyPrice: r.g,
        feedInPrice: Math.floor((r.g * r.fBps) / 10_000),
        bandBps: r.bandBps,
      };
      const intervals = r.intervals.map((orders, k) => ({
        orders: orders.map((o, i): SettlementOrder => ({
          ...o,
          id: `i${k}o${i}`,
          renewable: r.renewableOwner[OWNERS.indexOf(o.owner)]!,
        })),
      }));
      const meters: Record<string, MeterReading> = {};
      OWNERS.forEach((owner, i) => {
        const reading = r.meters[i];
        if (reading) meters[owner] = reading;
      });
      return { settleParams, bondRate: r.bondRate, intervals, meters };
    });

  it("nobody pays more than its lock; total received equals total paid", () => {
    fc.assert(
      fc.property(periodArb, ({ settleParams, bondRate, intervals, meters }) => {
        const r = settlePeriod(settleParams, intervals, meters);
        const g = BigInt(settleParams.gridBuyPrice);
        const lockMarket = { gridBuyPrice: settleParams.gridBuyPrice, bondRate };
        let received = 0n;
        let paid = 0n;
        for (const p of r.participants) {
          expect(p.net).toBe(p.received - p.paid);
          received += p.received;
          paid += p.paid;
        }
        expect(received).toBe(paid);
        r.intervals.forEach((interval, k) => {
          const byId = new Map(intervals[k]!.orders.map((o) => [o.id, o]));
          const spent = new Map<string, bigint>();
          for (const f of interval.flows) {
            const s = byId.get(f.sell)!;
            const b = byId.get(f.buy)!;
            const q = BigInt(f.quantity);
            for (const x of [f.energy, f.sellerCompensation, f.buyerCompensation])
              expect(x).toBeGreaterThanOrEqual(0n);
            expect(f.energy + f.buyerCompensation).toBeLessThanOrEqual(BigInt(b.price) * q);
            const gap = g > BigInt(s.price) ? g - BigInt(s.price) : 0n;
            expect(f.sellerCompensation).toBeLessThanOrEqual(gap * q);
            spent.set(b.id, (spent.get(b.id) ?? 0n) + f.energy + f.buyerCompensation);
            spent.set(s.id, (spent.get(s.id) ?? 0n) + f.sellerCompensation);
          }
          for (const [id, total] of spent)
            expect(total).toBeLessThanOrEqual(lockAmount(byId.get(id)!, lockMarket));
        });
      }),
      { seed: 21, numRuns: 400 },
    );
  });

  it("an honest reading of a pure seller or buyer never costs more than a missing one", () => {
    let compared = 0;
    fc.assert(
      fc.property(periodArb, ({ settleParams, intervals, meters }) => {
        const base = settlePeriod(settleParams, intervals, meters);
        for (const pos of base.positions) {
          if (pos.sold > 0n === pos.bought > 0n) continue; // neither or both
          const honest = {
            ...meters,
            [pos.owner]: { producedWh: pos.sold, consumedWh: pos.bought },
          };
          const missing: Record<string, MeterReading> = { ...meters };
          delete missing[pos.owner];
          const netOf = (m: Record<string, MeterReading>) =>
            settlePeriod(settleParams, intervals, m).participants.find(
              (p) => p.owner === pos.owner,
            )!.net;
          expect(netOf(honest)).toBeGreaterThanOrEqual(netOf(missing));
          compared++;
        }
      }),
      { seed: 22, numRuns: 200 },
    );
    expect(compared).toBeGreaterThan(100);
  });
});
