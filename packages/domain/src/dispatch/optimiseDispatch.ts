import { parseWith } from "../validate.ts";
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
  marginalPrice,
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

/**
 * A constraint the safety loop added (001 step 3): the violated quantity, linearised around the
 * allocation that violated it, must not exceed its limit: Σ_i sensitivity_i · ΔP_i ≤ bound.
 */
export type AddedConstraint = {
  round: number;
  /** The violation, in words, e.g. "overvoltage at 6 (1.0681 vs limit 1.06)". */
  because: string;
  /** Change of the violated quantity (pu for voltages, A for currents) per kW given to each offer. */
  sensitivities: Record<string, number>;
  /** Right-hand side in the same units × kW. */
  bound: number;
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
  /**
   * Per-offer price adders (currency per kWh) the active constraints put on each offer's quote:
   * the locational part of the price signal. Zero when no constraint binds.
   */
  priceAdders: Record<string, number>;
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

type Linear = { s: number[]; bound: number };

/** Offers with their segment prices raised by Σ_c μ_c · s_c,i / T (Lagrangian price adders). */
function adjustedOffers(req: DispatchRequest, adders: number[]): Offer[] {
  return req.offers.map((o, i) =>
    adders[i] === 0
      ? o
      : { ...o, segments: o.segments.map((seg) => ({ ...seg, price: seg.price + adders[i]! })) },
  );
}

function addersFor(req: DispatchRequest, cons: Linear[], mu: number[]): number[] {
  return req.offers.map((_, i) =>
    cons.reduce((sum, c, k) => sum + (mu[k]! * c.s[i]!) / req.durationH, 0),
  );
}

const lhs = (c: Linear, watts: number[]) =>
  watts.reduce((sum, w, i) => sum + (c.s[i]! * w) / 1000, 0);

/** Multipliers that satisfy every constraint, and where the last bisection ended. */
type Multipliers = { mu: number[]; last: { k: number; lo: number } | null };

/**
 * Lagrange multipliers μ ≥ 0 for the added linear constraints: with the offers' prices raised by
 * Σ μ_c s_c,i / T the merit order satisfies every constraint. Each μ_c is found by doubling then
 * bisection (the constraint's left side does not increase with μ_c), cycling over the constraints
 * a few times. Returns null when a constraint cannot be met by any allocation.
 */
function multipliers(req: DispatchRequest, capsW: number[], cons: Linear[]): Multipliers | null {
  const requestW = Math.round(req.deltaTotalKW * 1000);
  const mu = cons.map(() => 0);
  let last: Multipliers["last"] = null;
  const solve = () =>
    meritOrder(adjustedOffers(req, addersFor(req, cons, mu)), requestW, req.durationH, capsW).watts;
  const ok = (c: Linear, w: number[]) =>
    lhs(c, w) <= c.bound + 1e-9 * Math.max(1, Math.abs(c.bound));
  const pMax = Math.max(1e-9, ...req.offers.flatMap((o) => o.segments.map((g) => g.price)));
  for (let pass = 0; pass < 6; pass++) {
    let changed = false;
    for (let k = 0; k < cons.length; k++) {
      const c = cons[k]!;
      if (ok(c, solve())) continue;
      const sMax = Math.max(1e-12, ...c.s.map(Math.abs));
      let lo = mu[k]!;
      let hi = Math.max(lo * 2, (pMax * req.durationH) / sMax);
      mu[k] = hi;
      let guard = 0;
      while (!ok(c, solve())) {
        lo = hi;
        hi *= 2;
        mu[k] = hi;
        if (++guard > 60) return null;
      }
      for (let it = 0; it < 50; it++) {
        mu[k] = (lo + hi) / 2;
        if (ok(c, solve())) hi = mu[k]!;
        else lo = mu[k]!;
      }
      mu[k] = hi;
      last = { k, lo };
      changed = true;
    }
    if (!changed) return { mu, last };
  }
  const w = solve();
  return cons.every((c) => ok(c, w)) ? { mu, last } : null;
}

/**
 * At the multiplier where a constraint starts to bind, prices tie and the LP optimum splits the
 * tied segments. Solve just below and just above that multiplier (±0.1 %, enough for ADMM to tell
 * the prices apart) and blend the two allocations so the binding constraint holds with equality;
 * fall back to the safe side when the blend breaks another constraint.
 */
function solveConstrained(
  req: DispatchRequest,
  capsW: number[],
  cons: Linear[],
  m: Multipliers,
): { watts: number[]; iterations: number; adders: number[] } {
  if (!m.last) {
    const adders = addersFor(req, cons, m.mu);
    const sol = solveOnce(req, capsW, adders);
    return { watts: sol.watts, iterations: sol.iterations, adders };
  }
  const { k, lo } = m.last;
  const star = (lo + m.mu[k]!) / 2;
  const muHi = [...m.mu];
  muHi[k] = star * 1.001;
  const muLo = [...m.mu];
  muLo[k] = star * 0.999;
  const addersHi = addersFor(req, cons, muHi);
  const hi = solveOnce(req, capsW, addersHi);
  const low = solveOnce(req, capsW, addersFor(req, cons, muLo));
  const c = cons[k]!;
  const gHi = lhs(c, hi.watts);
  const gLo = lhs(c, low.watts);
  const iterations = hi.iterations + low.iterations;
  if (!(gLo > c.bound && gHi <= c.bound)) return { watts: hi.watts, iterations, adders: addersHi };
  const theta = (c.bound - gHi) / (gLo - gHi);
  const blend = blendWatts(hi.watts, low.watts, theta * 0.999);
  const fine = cons.every((x) => lhs(x, blend) <= x.bound + 1e-9 * Math.max(1, Math.abs(x.bound)));
  return { watts: fine ? blend : hi.watts, iterations, adders: addersFor(req, cons, m.mu) };
}

/** (1 − θ)·a + θ·b in integer watts with the same total (largest remainders round up). */
function blendWatts(a: number[], b: number[], theta: number): number[] {
  const exact = a.map((w, i) => (1 - theta) * w + theta * b[i]!);
  const out = exact.map(Math.floor);
  let left = a.reduce((s, w) => s + w, 0) - out.reduce((s, w) => s + w, 0);
  const order = exact.map((v, i) => [v - Math.floor(v), i] as const).sort((x, y) => y[0] - x[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left--;
  }
  return out;
}

function solveOnce(req: DispatchRequest, capsW: number[], adders: number[]) {
  const requestW = Math.round(req.deltaTotalKW * 1000);
  const offers = adjustedOffers(req, adders);
  if (req.method === "admm") return admmDispatch(offers, requestW, req.durationH, capsW);
  return { ...meritOrder(offers, requestW, req.durationH, capsW), iterations: 1 };
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
 * Linearises the worst violation around the current allocation: a finite-difference power flow per
 * offer bus gives how much each offer's kW changes the violated quantity, and the constraint asks
 * for the quantity to drop by its excess (plus a small margin).
 */
function linearise(
  req: DispatchRequest,
  network: Network,
  allocations: Allocation[],
  violation: Violation,
): Linear {
  const base = applyInjections(
    network,
    allocationTransactions(req, allocations).flatMap((t) => t.injections),
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
    sensByBus.set(o.bus!, Number.isFinite(q) ? (q - q0) / stepKW : 0);
  }
  const s = req.offers.map((o) => sensByBus.get(o.bus!)!);
  const current = s.reduce((sum, si, i) => sum + si * allocations[i]!.kw, 0);
  const margin = req.safetyMargin * Math.abs(violation.limit);
  return { s, bound: current - (q0 + margin) };
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
  const linear: Linear[] = [];
  let adders = req.offers.map(() => 0);
  let mult: Multipliers | null = null;
  let iterations = 0;
  let round = 0;
  for (;;) {
    const sol = mult
      ? solveConstrained(req, capsW, linear, mult)
      : { ...solveOnce(req, capsW, adders), adders };
    adders = sol.adders;
    iterations += sol.iterations;
    const allocations = toAllocations(req, sol.watts);
    const base = {
      method: req.method,
      deltaTotalKW: req.deltaTotalKW,
      durationH: req.durationH,
      allocations,
      totalCost: round6(allocations.reduce((s, a) => s + a.cost, 0)),
      clearingPrice: clearingPrice(req.offers, sol.watts),
      iterations,
      safetyRounds: round,
      constraints,
      priceAdders: Object.fromEntries(req.offers.map((o, i) => [o.id, round6(adders[i]!)])),
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
    const c = linearise(req, req.network, allocations, worst);
    linear.push(c);
    constraints.push({
      round,
      because: `${worst.type} at ${worst.element} (${worst.value} vs limit ${worst.limit})`,
      sensitivities: Object.fromEntries(req.offers.map((o, i) => [o.id, c.s[i]!])),
      bound: c.bound,
    });
    mult = multipliers(req, capsW, linear);
    if (!mult) return { status: "unsafe", ...base, safetyRounds: round, safety };
  }
}

/** Price of the dearest used segment at the original quotes (the merit-order clearing price). */
function clearingPrice(offers: Offer[], watts: number[]): number {
  let price = 0;
  watts.forEach((w, i) => {
    if (w > 0) price = Math.max(price, marginalPrice(offers[i]!, (w - 0.5) / 1000));
  });
  return price;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export type { Offer };
