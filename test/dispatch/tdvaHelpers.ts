import { ethers } from "hardhat";
import { protocol } from "../helpers/protocol";
import type { Signer } from "ethers";
import type { DispatchRegistry } from "../../typechain-types";

/** One price segment of an offer: capacity in W at a price per kWh in token base units. */
export type Segment = { capacityW: bigint; pricePerKWh: bigint };

/** The terms a provider signs (001 eq. 7 inputs for one provider). */
export type OfferTerms = {
  provider: string;
  maxPowerW: bigint;
  maxEnergyWh: bigint;
  signedAt: bigint;
  segments: Segment[];
};

/** The calldata shape of IDispatchRegistry.Offer. */
export type SignedOffer = {
  provider: string;
  maxPowerW: bigint;
  maxEnergyWh: bigint;
  signedAt: bigint;
  segments: bigint[];
  signature: string;
};

export const WS_PER_KWH = 3_600_000n;

/** Packs a segment as the contract takes it (protocol `packSegment`). */
export const packSegment = (segment: Segment): bigint =>
  protocol.packSegment(segment.capacityW, segment.pricePerKWh);

/** Signs an offer with the provider's key (EIP-712 typed data from the protocol package). */
export async function signOffer(
  registry: DispatchRegistry,
  signer: Signer,
  eventId: bigint,
  terms: OfferTerms,
): Promise<SignedOffer> {
  const { chainId } = await ethers.provider.getNetwork();
  const segments = terms.segments.map(packSegment);
  const signature = await signer.signTypedData(
    {
      ...protocol.typedData.DispatchRegistry.domain,
      chainId,
      verifyingContract: await registry.getAddress(),
    },
    { Offer: protocol.typedData.DispatchRegistry.types.Offer.map((field) => ({ ...field })) },
    {
      eventId,
      provider: terms.provider,
      maxPowerW: terms.maxPowerW,
      maxEnergyWh: terms.maxEnergyWh,
      signedAt: terms.signedAt,
      segments,
    },
  );
  return { ...terms, segments, signature };
}

/** Largest feasible allocation: min(ΔP_max, Σ capacity, W_max·3600/T). */
export function capOf(terms: OfferTerms, durationS: bigint): bigint {
  const total = terms.segments.reduce((sum, s) => sum + s.capacityW, 0n);
  const energyCap = (terms.maxEnergyWh * 3_600n) / durationS;
  return [terms.maxPowerW, total, energyCap].reduce((a, b) => (a < b ? a : b));
}

/**
 * Exact merit order for convex piecewise-linear prices: fill the cheapest available segments
 * first until `requestedW` is met (ties by provider order). Reference for the on-chain check.
 */
export function meritOrder(offers: OfferTerms[], requestedW: bigint, durationS: bigint): bigint[] {
  const pieces: { i: number; price: bigint; capacityW: bigint }[] = [];
  offers.forEach((o, i) => {
    let left = capOf(o, durationS);
    for (const s of o.segments) {
      const take = s.capacityW < left ? s.capacityW : left;
      if (take > 0n) pieces.push({ i, price: s.pricePerKWh, capacityW: take });
      left -= take;
    }
  });
  pieces.sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : a.i - b.i));
  const allocations = offers.map(() => 0n);
  let left = requestedW;
  for (const p of pieces) {
    if (left === 0n) break;
    const take = p.capacityW < left ? p.capacityW : left;
    allocations[p.i]! += take;
    left -= take;
  }
  if (left !== 0n) throw new Error(`offers cover only ${requestedW - left} of ${requestedW} W`);
  return allocations;
}

/** Cost of an allocation at the offered prices (the dispatch's budget check). */
export function costOf(terms: OfferTerms, allocationW: bigint, durationS: bigint): bigint {
  let left = allocationW;
  let numerator = 0n;
  for (const s of terms.segments) {
    const used = s.capacityW < left ? s.capacityW : left;
    numerator += used * s.pricePerKWh;
    left -= used;
  }
  return (numerator * durationS) / WS_PER_KWH;
}

/** Reference settlement of one provider: payment, penalty withheld, net (see decision 0201). */
export function settleReference(
  terms: OfferTerms,
  allocationW: bigint,
  durationS: bigint,
  deliveredWh: bigint,
  toleranceBps: bigint,
): { payment: bigint; penalty: bigint; withheld: bigint; net: bigint } {
  let remainingWs = deliveredWh * 3_600n;
  let allocLeft = allocationW;
  let numerator = 0n;
  let marginal = 0n;
  for (const s of terms.segments) {
    if (allocLeft === 0n) break;
    const cap = s.capacityW < allocLeft ? s.capacityW : allocLeft;
    marginal = s.pricePerKWh;
    const segmentWs = cap * durationS;
    const take = remainingWs < segmentWs ? remainingWs : segmentWs;
    numerator += take * s.pricePerKWh;
    remainingWs -= take;
    allocLeft -= cap;
  }
  const payment = numerator / WS_PER_KWH;
  const bandWs = (allocationW * durationS * (10_000n - toleranceBps)) / 10_000n;
  const deliveredWs = deliveredWh * 3_600n;
  const shortfall = deliveredWs < bandWs ? bandWs - deliveredWs : 0n;
  const penalty = (shortfall * marginal) / WS_PER_KWH;
  const withheld = penalty < payment ? penalty : payment;
  return { payment, penalty, withheld, net: payment - withheld };
}

/** Sorts offers (and anything aligned with them) by provider address, as dispatch requires. */
export function byProvider<T extends { provider: string }>(items: T[]): T[] {
  return [...items].sort((a, b) =>
    BigInt(a.provider) < BigInt(b.provider) ? -1 : BigInt(a.provider) > BigInt(b.provider) ? 1 : 0,
  );
}
