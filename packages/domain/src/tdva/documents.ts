import { z } from "zod";
import type { Allocation, DispatchResult } from "../dispatch/index.ts";
import type { PowerFlowResult } from "../grid/index.ts";
import { BaseError } from "../errors.ts";

/**
 * The off-chain documents of a TDVA event. The registry records only their keccak256 and CID
 * (Trigger.dataHash/dataCid, Dispatch.safetyReportHash/Cid, Verify.meterDataHash/Cid); these are
 * the documents behind those fingerprints, built the same way by the services and the web app.
 */

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address");
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, "a decimal integer string");
const busVoltage = z.strictObject({ bus: z.string().min(1), vPu: finite });
const violation = z.strictObject({
  type: z.enum(["undervoltage", "overvoltage", "overcurrent", "underfrequency", "overfrequency"]),
  element: z.string(),
  value: finite,
  limit: finite,
});

/** Trigger data: the power flow that raised the alarm. */
export const AlarmDocumentSchema = z.strictObject({
  kind: z.literal("voltage-alarm"),
  network: z.string().min(1),
  maxVoltage: busVoltage,
  violations: z.array(violation),
  buses: z.array(z.strictObject({ id: z.string().min(1), vPu: finite })).min(1),
});
export type AlarmDocument = z.output<typeof AlarmDocumentSchema>;

/**
 * Dispatch evidence: the plan the operator submits and the power-flow safety report it passed.
 * The report itself is the grid package's SafetyReport; it is checked for its verdict fields only.
 */
export const SafetyReportDocumentSchema = z.strictObject({
  kind: z.literal("dispatch-safety-report"),
  eventId: decimal,
  network: z.string().min(1),
  method: z.enum(["exact", "admm"]),
  totalCost: finite,
  clearingPrice: finite,
  safetyRounds: z.number().int().min(0),
  meritOrder: z.boolean(),
  allocations: z
    .array(
      z.strictObject({ provider: address, bus: z.string().nullable(), watts: z.number().int() }),
    )
    .min(1),
  report: z.looseObject({
    network: z.string(),
    safe: z.boolean(),
    withinLimits: z.boolean(),
    before: z.looseObject({ violations: z.array(violation) }),
    after: z.looseObject({ violations: z.array(violation) }),
  }),
});
export type SafetyReportDocument = z.output<typeof SafetyReportDocumentSchema>;

/** Verify evidence: the metered response per provider (Wh as decimal strings: uint64 on-chain). */
export const MeterDataDocumentSchema = z.strictObject({
  kind: z.literal("meter-readings"),
  eventId: decimal,
  readings: z
    .array(z.strictObject({ provider: address, meter: address.optional(), deliveredWh: decimal }))
    .min(1),
});
export type MeterDataDocument = z.output<typeof MeterDataDocumentSchema>;

/** Any of the three, told apart by `kind`. */
export const TdvaDocumentSchema = z.discriminatedUnion("kind", [
  AlarmDocumentSchema,
  SafetyReportDocumentSchema,
  MeterDataDocumentSchema,
]);
export type TdvaDocument = z.output<typeof TdvaDocumentSchema>;

/** The trigger's data document from the power flow of the snapshot that shows the violation. */
export function buildAlarmDocument(network: string, flow: PowerFlowResult): AlarmDocument {
  return {
    kind: "voltage-alarm",
    network,
    maxVoltage: { bus: flow.maxVoltage.bus, vPu: flow.maxVoltage.vPu },
    violations: flow.violations.map((v) => ({ ...v })),
    buses: flow.buses.map((b) => ({ id: b.id, vPu: b.vPu })),
  };
}

/**
 * The dispatch's safety report document: the allocations in the order the registry takes them
 * (`providers`, ascending address) and the optimiser's safety report. Throws without a report.
 */
export function buildSafetyReportDocument(
  eventId: bigint,
  plan: DispatchResult,
  providers: readonly string[],
): SafetyReportDocument {
  if (!plan.safety) throw new BaseError("the plan has no safety report (no network was given)");
  const byId = new Map<string, Allocation>(plan.allocations.map((a) => [a.id.toLowerCase(), a]));
  return {
    kind: "dispatch-safety-report",
    eventId: eventId.toString(),
    network: plan.safety.network,
    method: plan.method,
    totalCost: plan.totalCost,
    clearingPrice: plan.clearingPrice,
    safetyRounds: plan.safetyRounds,
    meritOrder: plan.constraints.length === 0,
    allocations: providers.map((p) => {
      const a = byId.get(p.toLowerCase());
      return { provider: p, bus: a?.bus ?? null, watts: a?.watts ?? 0 };
    }),
    report: plan.safety,
  };
}

/** The verify step's meter data document: one reading per dispatched provider, in line order. */
export function buildMeterDataDocument(
  eventId: bigint,
  readings: readonly { provider: string; meter?: string; deliveredWh: bigint }[],
): MeterDataDocument {
  return {
    kind: "meter-readings",
    eventId: eventId.toString(),
    readings: readings.map((r) => ({
      provider: r.provider,
      ...(r.meter ? { meter: r.meter } : {}),
      deliveredWh: r.deliveredWh.toString(),
    })),
  };
}

/**
 * What an operator signs (EIP-191) to store a TDVA document through the API: the CID the
 * server recomputes from the document, so the signature vouches for exactly those bytes.
 */
export function tdvaDocumentMessage(cid: string): string {
  return `GridLedger: store TDVA document ${cid}`;
}
