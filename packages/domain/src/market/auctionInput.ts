import { z } from "zod";

/** Largest price or quantity the market contract accepts (uint40). */
export const MAX_UINT40 = 2 ** 40 - 1;

const positiveUint40 = z.number().int().min(1).max(MAX_UINT40);

/** One order of an auction input file. `renewable` only matters for sells. */
export const AuctionOrderSchema = z.object({
  id: z.string().min(1).max(64),
  side: z.enum(["buy", "sell"]),
  /** Token base units per kWh. */
  price: positiveUint40,
  /** Wh. */
  quantity: positiveUint40,
  renewable: z.boolean().optional(),
});

/** Adds an issue at `[i, "id"]` for every order whose id appeared before. */
function uniqueIds(orders: readonly { id: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  orders.forEach((o, i) => {
    if (seen.has(o.id))
      ctx.addIssue({
        code: "custom",
        path: [i, "id"],
        message: `duplicate order id "${o.id}"`,
      });
    seen.add(o.id);
  });
}

/** `{"orders": [...]}` with unique order ids, in placement order. */
export const AuctionInputSchema = z.object({
  orders: z.array(AuctionOrderSchema).max(5_000).superRefine(uniqueIds),
});

export type AuctionOrder = z.infer<typeof AuctionOrderSchema>;
export type AuctionInput = z.infer<typeof AuctionInputSchema>;

/** One match: the sell and buy order ids, matched Wh and trade price. */
export const AuctionMatchSchema = z.object({
  sell: z.string(),
  buy: z.string(),
  quantity: z.number().int().positive(),
  price: z.number().int().nonnegative(),
});
export type AuctionMatch = z.infer<typeof AuctionMatchSchema>;

const nonNegativeUint40 = z.number().int().min(0).max(MAX_UINT40);
/** Meter readings: non-negative safe integers (Wh). */
const wh = z.number().int().min(0);

/** A delivery period's market parameters for `auction settle`. */
export const SettleMarketSchema = z
  .object({
    /** G, base units per kWh. */
    gridBuyPrice: nonNegativeUint40,
    /** F ≤ G, base units per kWh. */
    feedInPrice: nonNegativeUint40,
    /** Tolerance band, basis points. */
    bandBps: z.number().int().min(0).max(10_000),
    /** Minimum escrow per Wh of any order, milli-units. */
    bondRate: nonNegativeUint40.min(1).default(1),
    /** Smallest order quantity, Wh. */
    minQuantityWh: nonNegativeUint40.min(1).default(1),
  })
  .superRefine((m, ctx) => {
    if (m.feedInPrice > m.gridBuyPrice)
      ctx.addIssue({
        code: "custom",
        path: ["feedInPrice"],
        message: `feedInPrice ${m.feedInPrice} is above gridBuyPrice ${m.gridBuyPrice}`,
      });
  });

/** An order of `auction settle`: an auction order plus the label of the participant placing it. */
export const SettleOrderSchema = AuctionOrderSchema.extend({
  owner: z.string().min(1).max(64),
});

/** One participant's reading for the period, Wh. */
export const MeterReadingSchema = z.object({ producedWh: wh, consumedWh: wh });

/**
 * `{"market": {...}, "orders": [...], "meters": {"<owner>": {...}}}` for `auction settle`: unique
 * order ids, quantities ≥ minQuantityWh, one renewable flag for all sells of an owner (the
 * registry's flag is per participant), meters only for owners of orders (an owner without a
 * reading is settled as a missing reading).
 */
export const SettleInputSchema = z
  .object({
    market: SettleMarketSchema,
    orders: z.array(SettleOrderSchema).max(5_000).superRefine(uniqueIds),
    meters: z.record(z.string(), MeterReadingSchema).default({}),
  })
  .superRefine((input, ctx) => {
    const owners = new Set<string>();
    const sellFlag = new Map<string, { renewable: boolean; id: string }>();
    input.orders.forEach((o, i) => {
      owners.add(o.owner);
      if (o.quantity < input.market.minQuantityWh)
        ctx.addIssue({
          code: "custom",
          path: ["orders", i, "quantity"],
          message: `quantity ${o.quantity} is below minQuantityWh ${input.market.minQuantityWh}`,
        });
      if (o.side !== "sell") return;
      const renewable = o.renewable === true;
      const first = sellFlag.get(o.owner);
      if (first === undefined) sellFlag.set(o.owner, { renewable, id: o.id });
      else if (first.renewable !== renewable)
        ctx.addIssue({
          code: "custom",
          path: ["orders", i, "renewable"],
          message: `owner "${o.owner}" already sells as ${first.renewable ? "renewable" : "conventional"} (order "${first.id}")`,
        });
    });
    for (const owner of Object.keys(input.meters))
      if (!owners.has(owner))
        ctx.addIssue({
          code: "custom",
          path: ["meters", owner],
          message: `no order has owner "${owner}"`,
        });
  });

export type SettleInput = z.infer<typeof SettleInputSchema>;

const milliUnits = z.string().regex(/^\d+$/);

/** One settled match: amounts in milli-units as decimal strings. */
export const SettledMatchSchema = AuctionMatchSchema.extend({
  energy: milliUnits,
  sellerCompensation: milliUnits,
  buyerCompensation: milliUnits,
});

/** A participant's net over the period: token base units (3 decimals) and exact milli-units. */
export const SettledParticipantSchema = z.object({
  owner: z.string(),
  net: z.number(),
  netMilliUnits: z.string().regex(/^-?\d+$/),
});

/** Output of `auction settle` (both paths): participants sorted by owner label. */
export const SettleOutputSchema = z.object({
  matches: z.array(SettledMatchSchema),
  participants: z.array(SettledParticipantSchema),
});
export type SettleOutput = z.infer<typeof SettleOutputSchema>;
