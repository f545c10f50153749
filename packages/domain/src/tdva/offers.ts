import { packSegment, unpackSegment, type SignedOffer } from "@gridledger/protocol";
import type { Offer } from "../dispatch/index.ts";
import { ValidationError } from "../errors.ts";

/** GridToken base units per GLT (6 decimals): quotes in GLT/kWh are integer base units on-chain. */
export const GLT_BASE_UNITS = 1_000_000;

/** A provider's quote as people write it: kW and GLT/kWh (001 §3.3.1). */
export type Quote = {
  maxKW: number;
  /** Energy cap W_max; without it, maxKW for the whole event. */
  maxKWh?: number;
  segments: readonly { kw: number; price: number }[];
};

/** The fields of the EIP-712 Offer a quote fixes (the rest: eventId, provider, signedAt). */
export type OfferTerms = { maxPowerW: number; maxEnergyWh: bigint; segments: bigint[] };

/** A quote as the registry takes it: watts, Wh and packed segments (price in base units). */
export function offerTerms(quote: Quote, durationS: number): OfferTerms {
  if (!(quote.maxKW > 0) || !Number.isFinite(quote.maxKW))
    throw new ValidationError(
      [{ path: "maxKW", message: "must be a number of kW above 0" }],
      "offer",
    );
  const durationH = durationS / 3_600;
  return {
    maxPowerW: Math.round(quote.maxKW * 1000),
    maxEnergyWh: BigInt(Math.round((quote.maxKWh ?? quote.maxKW * durationH) * 1000)),
    segments: quote.segments.map((s) =>
      packSegment(BigInt(Math.round(s.kw * 1000)), BigInt(Math.round(s.price * GLT_BASE_UNITS))),
    ),
  };
}

/** "600@0.40, 600@0.60" → segments (kW@GLT per kWh, at most 6 decimals of GLT). */
export function parseCurve(text: string): Quote["segments"] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new ValidationError([{ path: "", message: "write kW@price, e.g. 400@0.35" }], "curve");
  return parts.map((part, i) => {
    const m = /^(\d+(?:\.\d+)?)\s*@\s*(\d+(?:\.\d{1,6})?)$/.exec(part);
    if (!m || Number(m[1]) <= 0)
      throw new ValidationError(
        [{ path: String(i), message: `"${part}": write kW@price, e.g. 400@0.35` }],
        "curve",
      );
    return { kw: Number(m[1]), price: Number(m[2]) };
  });
}

/**
 * The optimiser's view of an offer the registry would take: terms back to kW, kWh and GLT/kWh.
 * `bus` is the provider's registered bus (the power flow applies the change there).
 */
export function offerFromTerms(provider: string, bus: string, terms: OfferTerms): Offer {
  return {
    id: provider,
    bus,
    maxKW: terms.maxPowerW / 1000,
    maxKWh: Number(terms.maxEnergyWh) / 1000,
    segments: terms.segments
      .map((s) => unpackSegment(s))
      .map((s) => ({
        kw: Number(s.capacityW) / 1000,
        price: Number(s.pricePerKWh) / GLT_BASE_UNITS,
      })),
  };
}

/** The terms of an offer as the API's relay keeps it (decimal strings). */
export function termsOfSigned(offer: SignedOffer): OfferTerms {
  return {
    maxPowerW: offer.maxPowerW,
    maxEnergyWh: BigInt(offer.maxEnergyWh),
    segments: offer.segments.map(BigInt),
  };
}

/** Ascending provider address: the order DispatchRegistry.dispatch requires. */
export function byProviderAddress<T extends { provider: string }>(offers: readonly T[]): T[] {
  return [...offers].sort((a, b) => {
    const x = BigInt(a.provider);
    const y = BigInt(b.provider);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
