import { parseWith } from "../common/validate.ts";
import type { Network } from "../grid/network.ts";
import {
  applyInjections,
  checkSafety,
  type SafetyReport,
  type Transaction,
} from "../grid/safetyCheck.ts";
import { solvePowerFlow, type PowerFlowResult, type Violation } from "../grid/solvePowerFlow.ts";
import { PowerFlowNotConvergedError } from "../grid/powerFlowTypes.ts";
import { admmDispatch } from "./admmDispatch.ts";
import {
  DispatchRequestSchema,
  capacityW,
  offerCost,
  type DispatchRequest,
  type DispatchRequestInput,
  type Offer,
} from "./dispatchTypes.ts";
import { meritOrder } from "./meritOrder.ts";

/** One provider's share. `watts` is the exact integer the on-chain TDVA registry stores. */
export type Allocation = {
  id: string;
  bus: string | null;
  /** Allocated change ΔP_i in integer watts (Σ watts = deltaTotalKW × 1000 exactly). */
  watts: number;
  /** The same in kW (watts / 1000). */
  kw: number;
  /** ΔP_i · T in kWh. */
  energyKWh: number;
  /** Subsidy owed for this share: Σ segment price × kW × h (currency units of the quotes). */
  cost: number;
};

/** A constraint the safety loop added (001 step 3): an offer's capacity capped below its quote. */
export type AddedConstraint = {
  round: number;
  offer: string;
  maxKW: number;
  because: string;
};

export type DispatchResult = {
  status: "optimal" | "unsafe";
  method: "exact" | "admm";
  deltaTotalKW: number;
  durationH: number;
  allocations: Allocation[];
  totalCost: number;
  /** Price of the marginal segment used, currency per kWh. */
  clearingPrice: number;
  /** ADMM iterations (summed over safety rounds); 1 per round for the exact merit order. */
  iterations: number;
  safetyRounds: number;
  constraints: AddedConstraint[];
  safety: SafetyReport | null;
};

/** Transactions (one per allocated offer) that the safety check and the chain record. */
export function allocationTransactions(
  request: Pick<DispatchRequest, "injectionChange">,
  allocations: Allocation[],
): Transaction[] {
  const sign = request.injectionChange === "decrease" ? -1 : 1;
  return allocations
    .filter((a) => a.watts > 0 && a.bus !== null)
    .map((a) => ({
      id: a.id,
      injections: [{ bus: a.bus!, kw: (sign * a.watts) / 1000, kvar: 0 }],
    }));
}

function solveOnce(req: DispatchRequest, capsW: number[]) {
  const requestW = Math.round(req.deltaTotalKW * 1000);
  if (req.method === "admm") return admmDispatch(req.offers, requestW, req.durationH, capsW);
  return { ...meritOrder(req.offers, requestW, req.durationH, capsW), iterations: 1 };
}

function toAllocations(req: DispatchRequest, watts: number[]): Allocation[] {
  return req.offers.map((o, i) => {
    const w = watts[i]!;
    return {
      id: o.id,
      bus: o.bus ?? null,
      watts: w,
      kw: w / 1000,
      energyKWh: round((w / 1000) * req.durationH, 6),
      cost: round(offerCost(o, w / 1000, req.durationH), 6),
    };
  });
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Signed excess of a violation in the current case (positive = violated by that much). */
function quantity(res: PowerFlowResult | null, v: Violation): number {
  if (!res) return Infinity;
  if (v.type === "undervoltage") return v.limit - res.buses.find((b) => b.id === v.element)!.vPu;
  if (v.type === "overvoltage") return res.buses.find((b) => b.id === v.element)!.vPu - v.limit;
  if (v.type === "overcurrent")
    return res.branches.find((b) => b.id === v.element)!.currentA - v.limit;
  return 0;
}

function tryFlow(network: Network): PowerFlowResult | null {
  try {
    return solvePowerFlow(network);
  } catch (e) {
    if (e instanceof PowerFlowNotConvergedError) return null;
    throw e;
  }
}

/**
 * Adds one constraint for the worst violation: finds, by a finite-difference power flow per offer
 * bus, how much each offer's share worsens it, and caps the worst-contributing allocated offer so
 * that moving its excess to the most helpful offer with headroom would clear the violation.
 * Returns null when no offer can be moved.
 */
function constrain(
  req: DispatchRequest,
  network: Network,
  allocations: Allocation[],
  capsW: number[],
  violation: Violation,
  round: number,
): AddedConstraint | null {
  const txs = allocationTransactions(req, allocations);
  const base = applyInjections(
    network,
    txs.flatMap((t) => t.injections),
  );
  const q0 = quantity(tryFlow(base), violation);
  const stepKW = Math.max(1, req.deltaTotalKW * 0.01);
  const sign = req.injectionChange === "decrease" ? -1 : 1;
  const sensByBus = new Map<string, number>();
  for (const o of req.offers) {
    if (sensByBus.has(o.bus!)) continue;
    const q = quantity(
      tryFlow(applyInjections(base, [{ bus: o.bus!, kw: sign * stepKW, kvar: 0 }])),
      violation,
    );
    sensByBus.set(o.bus!, (q - q0) / stepKW);
  }
  const sens = req.offers.map((o) => sensByBus.get(o.bus!)!);
  let best = Infinity;
  req.offers.forEach((o, i) => {
    const cap = Math.min(capacityW(o, req.durationH), capsW[i]!);
    if (allocations[i]!.watts < cap) best = Math.min(best, sens[i]!);
  });
  let worst = -1;
  allocations.forEach((a, i) => {
    if (a.watts > 0 && sens[i]! > best + 1e-12 && (worst < 0 || sens[i]! > sens[worst]!)) worst = i;
  });
  if (worst < 0 || !Number.isFinite(best)) return null;
  const need = (q0 + 1e-4) / (sens[worst]! - best); // kW to move
  const moveW = Math.min(allocations[worst]!.watts, Math.ceil(need * 1000 * 1.1));
  const newCap = allocations[worst]!.watts - moveW;
  capsW[worst] = newCap;
  return {
    round,
    offer: req.offers[worst]!.id,
    maxKW: newCap / 1000,
    because: `${violation.type} at ${violation.element} (${violation.value} vs limit ${violation.limit})`,
  };
}

/**
 * Solves a dispatch request (001 eq. 7): exact merit order or distributed ADMM, then, when a
 * network is given, a safety check of the allocations; while the result violates a limit, a
 * constraint on the worst-contributing offer is added and the problem solved again (001 §3.1.1
 * step 3), up to `maxSafetyRounds`. Throws DispatchInfeasibleError when the offers (with their
 * energy caps and any added constraints) cannot cover the request.
 *
 * @example optimiseDispatch({ deltaTotalKW: 500, durationH: 2, offers }).allocations[0].watts
 */
export function optimiseDispatch(input: DispatchRequestInput): DispatchResult {
  const req = parseWith(DispatchRequestSchema, input, "dispatch request");
  const capsW = req.offers.map((o) => capacityW(o, req.durationH));
  const constraints: AddedConstraint[] = [];
  let iterations = 0;
  let round = 0;
  for (;;) {
    const sol = solveOnce(req, capsW);
    iterations += sol.iterations;
    const allocations = toAllocations(req, sol.watts);
    const base = {
      method: req.method,
      deltaTotalKW: req.deltaTotalKW,
      durationH: req.durationH,
      allocations,
      totalCost: round6(allocations.reduce((s, a) => s + a.cost, 0)),
      clearingPrice: sol.clearingPrice,
      iterations,
      safetyRounds: round,
      constraints,
    };
    if (!req.network) return { status: "optimal", ...base, safety: null };
    const safety = checkSafety({
      network: req.network,
      transactions: allocationTransactions(req, allocations),
    });
    if (safety.withinLimits) return { status: "optimal", ...base, safety };
    const worst = [...safety.after.violations].sort(
      (a, b) => Math.abs(b.value - b.limit) - Math.abs(a.value - a.limit),
    )[0];
    if (round >= req.maxSafetyRounds || !worst) return { status: "unsafe", ...base, safety };
    round++;
    const added = constrain(req, req.network, allocations, capsW, worst, round);
    if (!added) return { status: "unsafe", ...base, safetyRounds: round - 1, safety };
    constraints.push(added);
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export type { Offer };
