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

/** `{"orders": [...]}` with unique order ids, in placement order. */
export const AuctionInputSchema = z.object({
  orders: z
    .array(AuctionOrderSchema)
    .max(5_000)
    .superRefine((orders, ctx) => {
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
    }),
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
