import type { ContractFunctionArgs } from "viem";
import type { abis, SignedOffer } from "@gridledger/protocol";
import { optimiseDispatch, type DispatchResult, type Offer } from "../dispatch/index.ts";
import type { Fingerprint } from "../fingerprint/index.ts";
import {
  applyInjections,
  solvePowerFlow,
  type Network,
  type PowerFlowResult,
} from "../grid/index.ts";
import { ValidationError } from "../errors.ts";
import { GLT_BASE_UNITS } from "./offers.ts";

/**
 * Argument builders of the four TDVA stages, typed by DispatchRegistry's ABI: what the services
 * and the web app both send, so the two routes cannot drift apart.
 */
type Registry = typeof abis.DispatchRegistry;
export type TriggerArgs = ContractFunctionArgs<Registry, "nonpayable", "trigger">;
export type TriggerParams = TriggerArgs[0];
export type DispatchArgs = ContractFunctionArgs<Registry, "nonpayable", "dispatch">;
export type ContractOffer = DispatchArgs[1][number];
export type VerifyArgs = ContractFunctionArgs<Registry, "nonpayable", "verify">;
export type SettleArgs = ContractFunctionArgs<Registry, "nonpayable", "settle">;
export type SettleLine = SettleArgs[1][number];

/** Trigger parameters with the alarm document's fingerprint as the event's data link. */
export function triggerArgs(
  params: Omit<TriggerParams, "dataHash" | "dataCid">,
  alarm: Pick<Fingerprint, "keccak256" | "cid">,
): TriggerArgs {
  return [{ ...params, dataHash: alarm.keccak256, dataCid: alarm.cid }];
}

/** A relayed signed offer (decimal strings) as the registry's Offer struct. */
export function contractOffer(offer: Omit<SignedOffer, "eventId">): ContractOffer {
  return {
    provider: offer.provider,
    maxPowerW: offer.maxPowerW,
    maxEnergyWh: BigInt(offer.maxEnergyWh),
    signedAt: offer.signedAt,
    segments: offer.segments.map(BigInt),
    signature: offer.signature,
  };
}

/**
 * The optimiser run both routes use: exact merit order over the offers with the power-flow
 * safety loop on `network`, for the event's requested change (negative W: lower injection).
 */
export function planDispatch(input: {
  network: Network;
  requestedW: bigint;
  durationS: number;
  offers: Offer[];
}): DispatchResult {
  const requested = input.requestedW < 0n ? -input.requestedW : input.requestedW;
  return optimiseDispatch({
    deltaTotalKW: Number(requested) / 1000,
    durationH: input.durationS / 3_600,
    injectionChange: input.requestedW < 0n ? "decrease" : "increase",
    offers: input.offers,
    network: input.network,
    method: "exact",
  });
}

/** A budget that covers the plan's cost with `headroom` (1.25: 25 % more), in base units. */
export function budgetFor(plan: DispatchResult, headroom = 1.25): bigint {
  return BigInt(Math.ceil(plan.totalCost * headroom * GLT_BASE_UNITS));
}

/**
 * Dispatch arguments: the offers in registry order, each one's allocation from the plan (0 when
 * the optimiser left it out), the safety report's fingerprint, and the merit-order claim (made
 * when the safety loop did not have to constrain the optimum).
 */
export function dispatchArgs(
  eventId: bigint,
  offers: readonly ContractOffer[],
  plan: DispatchResult,
  safetyReport: Pick<Fingerprint, "keccak256" | "cid">,
): DispatchArgs {
  const watts = new Map(plan.allocations.map((a) => [a.id.toLowerCase(), a.watts]));
  return [
    eventId,
    [...offers],
    offers.map((o) => watts.get(o.provider.toLowerCase()) ?? 0),
    safetyReport.keccak256,
    safetyReport.cid,
    plan.constraints.length === 0,
  ];
}

/** Energy an allocation delivers over the event when `share` of it materialises, floored Wh. */
export function expectedDeliveryWh(allocationW: number, durationS: number, share = 1): bigint {
  return BigInt(Math.floor(((allocationW * durationS) / 3_600) * share));
}

/** Metered kWh as typed ("200", "1.5") → Wh for verify; at most 3 decimals, not negative. */
export function deliveredWhFromKWh(kwh: readonly string[]): bigint[] {
  return kwh.map((text, i) => {
    const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(text.trim());
    if (!m)
      throw new ValidationError(
        [{ path: String(i), message: `"${text}" is not a kWh amount with at most 3 decimals` }],
        "metered energy",
      );
    return BigInt(m[1]!) * 1000n + BigInt((m[2] ?? "").padEnd(3, "0"));
  });
}

/** Verify arguments: delivered Wh per dispatched provider (line order) and the meter data link. */
export function verifyArgs(
  eventId: bigint,
  deliveredWh: readonly bigint[],
  meterData: Pick<Fingerprint, "keccak256" | "cid">,
): VerifyArgs {
  return [eventId, [...deliveredWh], meterData.keccak256, meterData.cid];
}

/** Settle arguments: the dispatched lines (provider, allocation, offered segments) and deliveries. */
export function settleArgs(
  eventId: bigint,
  lines: readonly SettleLine[],
  deliveredWh: readonly bigint[],
): SettleArgs {
  return [
    eventId,
    lines.map((l) => ({ provider: l.provider, allocationW: l.allocationW, segments: l.segments })),
    [...deliveredWh],
  ];
}

/** Bus voltages before and after the delivered response, and whether all are in the band. */
export type DeliveredProfile = {
  after: PowerFlowResult;
  voltages: { bus: string; beforePu: number; afterPu: number }[];
  withinLimits: boolean;
};

/**
 * The snapshot with each provider's delivered change applied at its bus (average kW over the
 * event; `decrease` lowers injection): the voltage profile the event left behind.
 */
export function deliveredProfile(
  network: Network,
  before: PowerFlowResult,
  deliveries: readonly { bus: string; deliveredWh: bigint }[],
  durationS: number,
  injectionChange: "decrease" | "increase" = "decrease",
): DeliveredProfile {
  const sign = injectionChange === "decrease" ? -1 : 1;
  const after = solvePowerFlow(
    applyInjections(
      network,
      deliveries.map((d) => ({
        bus: d.bus,
        kw: (sign * Number(d.deliveredWh)) / (durationS / 3_600) / 1000,
        kvar: 0,
      })),
    ),
  );
  const voltages = before.buses.map((b) => ({
    bus: b.id,
    beforePu: b.vPu,
    afterPu: after.buses.find((a) => a.id === b.id)!.vPu,
  }));
  const withinLimits = voltages.every(
    (v) => v.afterPu >= network.limits.vMinPu && v.afterPu <= network.limits.vMaxPu,
  );
  return { after, voltages, withinLimits };
}
