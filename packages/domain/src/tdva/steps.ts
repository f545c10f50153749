import type { ContractFunctionArgs } from "viem";
import type { abis, ReadingBundle, SignedOffer } from "@gridledger/protocol";
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
export type ReportEventReadingsArgs = ContractFunctionArgs<
  Registry,
  "nonpayable",
  "reportEventReadings"
>;
export type ProviderReadings = ReportEventReadingsArgs[2][number];
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

/**
 * `reportEventReadings` arguments from a metering gateway's bundle: for each dispatched line (in
 * dispatch order) the provider's reading of the baseline window and of the event window, paired
 * by participant and the window period ids the registry names (`windowPeriodId`). Lines without
 * readings in the bundle are left for another bundle; a provider with only one of its two
 * readings, or a bundle with none for this event, is refused before any wallet is asked.
 */
export function eventReadingsArgs(
  eventId: bigint,
  lines: readonly Pick<SettleLine, "provider" | "allocationW" | "segments">[],
  bundle: Pick<ReadingBundle, "batchId" | "readings" | "signatures" | "proofs">,
  windows: { baseline: bigint; event: bigint },
): ReportEventReadingsArgs {
  const find = (provider: string, periodId: bigint) => {
    const i = bundle.readings.findIndex(
      (r) => r.participant.toLowerCase() === provider.toLowerCase() && r.periodId === periodId,
    );
    return i < 0
      ? undefined
      : {
          batchId: bundle.batchId,
          reading: bundle.readings[i]!,
          signature: bundle.signatures[i]!,
          proof: [...bundle.proofs[i]!],
        };
  };
  const entries: ProviderReadings[] = [];
  const issues: { path: string; message: string }[] = [];
  lines.forEach((l, index) => {
    const baseline = find(l.provider, windows.baseline);
    const during = find(l.provider, windows.event);
    if (baseline && during) entries.push({ index: BigInt(index), baseline, during });
    else if (baseline || during)
      issues.push({
        path: `readings.${l.provider}`,
        message: `the bundle holds the ${baseline ? "baseline" : "event-window"} reading of ${l.provider} but not its ${baseline ? "event-window" : "baseline"} reading`,
      });
  });
  if (issues.length > 0) throw new ValidationError(issues, "TDVA readings");
  if (entries.length === 0)
    throw new ValidationError(
      [{ path: "readings", message: `the bundle holds no readings of event ${eventId}'s windows` }],
      "TDVA readings",
    );
  return [
    eventId,
    lines.map((l) => ({ provider: l.provider, allocationW: l.allocationW, segments: l.segments })),
    entries,
  ];
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
