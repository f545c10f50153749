import { z } from "zod";
import { BaseError } from "../errors.ts";
import { fingerprintJson, type Fingerprint } from "../fingerprint/fingerprint.ts";
import { parseWith } from "../validate.ts";
import { NetworkSchema, type Network } from "./network.ts";
import { PowerFlowNotConvergedError } from "./powerFlowTypes.ts";
import { solvePowerFlow, type PowerFlowResult, type Violation } from "./solvePowerFlow.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");

/** A change of injection at one bus: positive kW = more generation (or less load). */
export const InjectionSchema = z.object({
  bus: z.string().min(1),
  kw: finite,
  kvar: finite.default(0),
});
export type Injection = z.output<typeof InjectionSchema>;

/** A trade or dispatch allocation as the set of injection changes it causes. */
export const TransactionSchema = z.object({
  id: z.string().min(1),
  injections: z.array(InjectionSchema).min(1, "needs at least one injection"),
});
export type Transaction = z.output<typeof TransactionSchema>;

/**
 * Frequency model for islanded operation: the slack bus is a grid-forming unit with a
 * power-frequency droop, f = 1 − droop · (P_slack − P_scheduled) / P_rated (pu).
 */
export const FrequencySchema = z.object({
  droopPct: finite.refine((v) => v > 0, "must be > 0").default(5),
  ratedKW: finite.refine((v) => v > 0, "must be > 0"),
  /** Slack output the unit is scheduled for; defaults to its output in the base case. */
  scheduledKW: finite.optional(),
  minPu: finite.default(0.994),
  maxPu: finite.default(1.006),
});

export const SafetyInputSchema = z.object({
  network: NetworkSchema,
  transactions: z.array(TransactionSchema),
  islanded: FrequencySchema.optional(),
});
export type SafetyInput = z.input<typeof SafetyInputSchema>;

export type CaseSummary = {
  converged: boolean;
  totalLossKW: number | null;
  slackKW: number | null;
  minVoltage: { bus: string; vPu: number } | null;
  maxVoltage: { bus: string; vPu: number } | null;
  frequencyPu: number | null;
  violations: Violation[];
};
export type TransactionVerdict = {
  id: string;
  safe: boolean;
  /** Why it is unsafe: new or worsened violations, or a non-convergent power flow. */
  reasons: string[];
  after: CaseSummary;
};
export type SafetyReport = {
  network: string;
  limits: { vMinPu: number; vMaxPu: number; frequencyPu: [number, number] | null };
  before: CaseSummary;
  /** All transactions applied together. */
  after: CaseSummary;
  transactions: TransactionVerdict[];
  /** True when every transaction alone and all of them together are safe. */
  safe: boolean;
  /** True when the case with all transactions applied has no violation at all. */
  withinLimits: boolean;
};

/** Copy of the network with injection changes added to the buses (genKW/genKvar). */
export function applyInjections(network: Network, injections: Injection[]): Network {
  const delta = new Map<string, [number, number]>();
  for (const inj of injections) {
    const cur = delta.get(inj.bus) ?? [0, 0];
    delta.set(inj.bus, [cur[0] + inj.kw, cur[1] + inj.kvar]);
  }
  const known = new Set(network.buses.map((b) => b.id));
  for (const bus of delta.keys())
    if (!known.has(bus)) throw new BaseError(`injection at unknown bus "${bus}"`);
  return {
    ...network,
    buses: network.buses.map((b) => {
      const d = delta.get(b.id);
      return d ? { ...b, genKW: b.genKW + d[0], genKvar: b.genKvar + d[1] } : b;
    }),
  };
}

type Frequency = z.output<typeof FrequencySchema>;

function summarise(
  result: PowerFlowResult | null,
  freq: Frequency | undefined,
  scheduledKW: number | null,
): CaseSummary {
  if (!result)
    return {
      converged: false,
      totalLossKW: null,
      slackKW: null,
      minVoltage: null,
      maxVoltage: null,
      frequencyPu: null,
      violations: [],
    };
  const violations = [...result.violations];
  let frequencyPu: number | null = null;
  if (freq && scheduledKW !== null) {
    frequencyPu =
      Math.round(
        (1 - ((freq.droopPct / 100) * (result.slackKW - scheduledKW)) / freq.ratedKW) * 1e6,
      ) / 1e6;
    if (frequencyPu < freq.minPu)
      violations.push({
        type: "underfrequency",
        element: "system",
        value: frequencyPu,
        limit: freq.minPu,
      });
    else if (frequencyPu > freq.maxPu)
      violations.push({
        type: "overfrequency",
        element: "system",
        value: frequencyPu,
        limit: freq.maxPu,
      });
  }
  return {
    converged: true,
    totalLossKW: result.totalLossKW,
    slackKW: result.slackKW,
    minVoltage: result.minVoltage,
    maxVoltage: result.maxVoltage,
    frequencyPu,
    violations,
  };
}

function tryPowerFlow(network: Network): PowerFlowResult | null {
  try {
    return solvePowerFlow(network);
  } catch (error) {
    if (error instanceof PowerFlowNotConvergedError) return null;
    throw error;
  }
}

/** How far a violation is beyond its limit (positive = violated). */
function excess(v: Violation): number {
  return v.type === "undervoltage" || v.type === "underfrequency"
    ? v.limit - v.value
    : v.value - v.limit;
}

/** Violations in `after` that are new, or worse than the same violation in `before`. */
export function newOrWorse(before: Violation[], after: Violation[]): Violation[] {
  const base = new Map(before.map((v) => [`${v.type}:${v.element}`, excess(v)]));
  return after.filter((v) => {
    const prior = base.get(`${v.type}:${v.element}`);
    return prior === undefined || excess(v) > prior + 1e-9;
  });
}

function verdict(id: string, before: CaseSummary, after: CaseSummary): TransactionVerdict {
  const reasons: string[] = [];
  if (!after.converged) reasons.push("power flow does not converge with this change");
  for (const v of newOrWorse(before.violations, after.violations))
    reasons.push(`${v.type} at ${v.element}: ${v.value} beyond limit ${v.limit}`);
  return { id, safe: reasons.length === 0, reasons, after };
}

/**
 * Safety check of trades or dispatch allocations (001 §3.3.2, 002 §2.2.4): solves the power flow
 * before, with each transaction alone and with all of them, and reports voltage-band, line-current
 * and (islanded) frequency violations. A transaction is safe when it creates no violation and makes
 * no existing one worse. Throws when the base case itself does not converge.
 *
 * @example const report = checkSafety({ network, transactions: [{ id: "t1", injections: [{ bus: "6", kw: -300 }] }] })
 */
export function checkSafety(input: SafetyInput): SafetyReport {
  const { network, transactions, islanded } = parseWith(SafetyInputSchema, input, "safety input");
  const baseResult = solvePowerFlow(network);
  const scheduled = islanded ? (islanded.scheduledKW ?? baseResult.slackKW) : null;
  const before = summarise(baseResult, islanded, scheduled);
  const verdicts = transactions.map((tx) =>
    verdict(
      tx.id,
      before,
      summarise(tryPowerFlow(applyInjections(network, tx.injections)), islanded, scheduled),
    ),
  );
  const all = verdict(
    "all",
    before,
    summarise(
      tryPowerFlow(
        applyInjections(
          network,
          transactions.flatMap((t) => t.injections),
        ),
      ),
      islanded,
      scheduled,
    ),
  );
  return {
    network: network.name,
    limits: {
      vMinPu: network.limits.vMinPu,
      vMaxPu: network.limits.vMaxPu,
      frequencyPu: islanded ? [islanded.minPu, islanded.maxPu] : null,
    },
    before,
    after: all.after,
    transactions: verdicts,
    safe: all.safe && verdicts.every((v) => v.safe),
    withinLimits: all.after.converged && all.after.violations.length === 0,
  };
}

/**
 * The safety report plus the keccak256 (and CIDv1) of its canonical JSON (RFC 8785), the value a
 * contract anchors so anyone can re-run the check and compare.
 */
export async function checkSafetyWithFingerprint(
  input: SafetyInput,
): Promise<{ report: SafetyReport; fingerprint: Fingerprint }> {
  const report = checkSafety(input);
  return { report, fingerprint: await fingerprintJson(report) };
}
