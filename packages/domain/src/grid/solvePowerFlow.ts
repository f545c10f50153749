import { BaseError } from "../errors.ts";
import { compileNetwork, type CompiledNetwork, type Network } from "./network.ts";
import { newtonPowerFlow } from "./newtonPowerFlow.ts";
import type { SolverOptions, VoltageState } from "./powerFlowTypes.ts";
import { sweepPowerFlow } from "./sweepPowerFlow.ts";

export type SolverChoice = "auto" | "bfs" | "nr";

export type PowerFlowOptions = SolverOptions & {
  /** "auto" (default): BFS when the in-service branches form a tree, Newton-Raphson otherwise. */
  solver?: SolverChoice;
};

export type BusResult = { id: string; vPu: number; angleDeg: number };
export type BranchResult = {
  id: string;
  /** Active / reactive power entering the branch at its `from` end, kW / kvar. */
  pFromKW: number;
  qFromKvar: number;
  lossKW: number;
  lossKvar: number;
  /** Current magnitude in A. */
  currentA: number;
  /** currentA / maxCurrentA × 100, or null when the branch has no current limit. */
  loadingPct: number | null;
};
export type Violation = {
  type: "undervoltage" | "overvoltage" | "overcurrent" | "underfrequency" | "overfrequency";
  /** Bus id (voltage), branch id (current) or "system" (frequency). */
  element: string;
  value: number;
  limit: number;
};
export type PowerFlowResult = {
  converged: true;
  iterations: number;
  solver: "bfs" | "nr";
  buses: BusResult[];
  branches: BranchResult[];
  totalLossKW: number;
  totalLossKvar: number;
  /** Power drawn from the slack bus (grid), kW / kvar. */
  slackKW: number;
  slackKvar: number;
  minVoltage: { bus: string; vPu: number };
  maxVoltage: { bus: string; vPu: number };
  violations: Violation[];
};

/** Picks and runs the solver for an already compiled network. */
export function solveCompiled(net: CompiledNetwork, options: PowerFlowOptions = {}): VoltageState {
  const choice = options.solver ?? "auto";
  if (choice === "bfs" && !net.radial)
    throw new BaseError(
      "solver bfs needs a radial network (in-service branches forming a tree); use nr or auto",
    );
  if (choice === "bfs" || (choice === "auto" && net.radial)) return sweepPowerFlow(net, options);
  return newtonPowerFlow(net, options);
}

/**
 * Solves the power flow of a validated network and reports voltages, branch flows, losses and limit
 * violations. Radial networks use the backward/forward sweep, meshed ones Newton-Raphson, unless
 * `options.solver` forces one. Throws NetworkDisconnectedError or PowerFlowNotConvergedError;
 * never returns NaN.
 *
 * @example const res = solvePowerFlow(parseNetwork(ieee33)); res.totalLossKW // ≈ 202.7
 */
export function solvePowerFlow(network: Network, options: PowerFlowOptions = {}): PowerFlowResult {
  const net = compileNetwork(network);
  return describeState(net, solveCompiled(net, options));
}

const RAD = 180 / Math.PI;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
const round = (v: number, digits: number) => {
  const f = POW10[digits]!;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no -0 in JSON output
};

/** Turns solved voltages into the per-bus / per-branch report with violations. */
export function describeState(net: CompiledNetwork, state: VoltageState): PowerFlowResult {
  const { network, n, from, to, r, x, branchRef } = net;
  const { vRe, vIm } = state;
  const sBaseKW = network.baseMVA * 1000;
  const buses: BusResult[] = new Array<BusResult>(n);
  let minI = 0;
  let maxI = 0;
  const vm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vm[i] = Math.hypot(vRe[i]!, vIm[i]!);
    if (vm[i]! < vm[minI]!) minI = i;
    if (vm[i]! > vm[maxI]!) maxI = i;
    buses[i] = {
      id: network.buses[i]!.id,
      vPu: round(vm[i]!, 6),
      angleDeg: round(Math.atan2(vIm[i]!, vRe[i]!) * RAD, 6),
    };
  }
  const violations: Violation[] = [];
  const { vMinPu, vMaxPu } = network.limits;
  for (let i = 0; i < n; i++) {
    if (vm[i]! < vMinPu - 1e-12)
      violations.push({
        type: "undervoltage",
        element: buses[i]!.id,
        value: round(vm[i]!, 6),
        limit: vMinPu,
      });
    else if (vm[i]! > vMaxPu + 1e-12)
      violations.push({
        type: "overvoltage",
        element: buses[i]!.id,
        value: round(vm[i]!, 6),
        limit: vMaxPu,
      });
  }
  const branchById: (BranchResult | undefined)[] = new Array<BranchResult | undefined>(
    network.branches.length,
  );
  let lossP = 0;
  let lossQ = 0;
  for (let k = 0; k < from.length; k++) {
    const a = from[k]!;
    const b = to[k]!;
    const dr = vRe[a]! - vRe[b]!;
    const di = vIm[a]! - vIm[b]!;
    const d = r[k]! * r[k]! + x[k]! * x[k]!;
    // I = (Va - Vb) / (r + jx)
    const ir = (dr * r[k]! + di * x[k]!) / d;
    const ii = (di * r[k]! - dr * x[k]!) / d;
    const i2 = ir * ir + ii * ii;
    // S_from = Va conj(I)
    const pf = vRe[a]! * ir + vIm[a]! * ii;
    const qf = vIm[a]! * ir - vRe[a]! * ii;
    lossP += r[k]! * i2;
    lossQ += x[k]! * i2;
    const br = network.branches[branchRef[k]!]!;
    const currentA = Math.sqrt(i2) * net.baseCurrentA;
    const loadingPct = br.maxCurrentA === undefined ? null : (currentA / br.maxCurrentA) * 100;
    branchById[branchRef[k]!] = {
      id: br.id,
      pFromKW: round(pf * sBaseKW, 4),
      qFromKvar: round(qf * sBaseKW, 4),
      lossKW: round(r[k]! * i2 * sBaseKW, 4),
      lossKvar: round(x[k]! * i2 * sBaseKW, 4),
      currentA: round(currentA, 4),
      loadingPct: loadingPct === null ? null : round(loadingPct, 3),
    };
    if (br.maxCurrentA !== undefined && currentA > br.maxCurrentA + 1e-9)
      violations.push({
        type: "overcurrent",
        element: br.id,
        value: round(currentA, 4),
        limit: br.maxCurrentA,
      });
  }
  // Slack injection = its own net injection + everything it exports.
  let sp = 0;
  let sq = 0;
  {
    const s = net.slack;
    for (let k = 0; k < from.length; k++) {
      if (from[k] !== s && to[k] !== s) continue;
      const a = s;
      const b = from[k] === s ? to[k]! : from[k]!;
      const dr = vRe[a]! - vRe[b]!;
      const di = vIm[a]! - vIm[b]!;
      const d = r[k]! * r[k]! + x[k]! * x[k]!;
      const ir = (dr * r[k]! + di * x[k]!) / d;
      const ii = (di * r[k]! - dr * x[k]!) / d;
      sp += vRe[a]! * ir + vIm[a]! * ii;
      sq += vIm[a]! * ir - vRe[a]! * ii;
    }
    sp -= net.pInj[s]!;
    sq -= net.qInj[s]!;
  }
  const branches: BranchResult[] = [];
  for (const res of branchById) if (res) branches.push(res);
  const result: PowerFlowResult = {
    converged: true,
    iterations: state.iterations,
    solver: state.solver,
    buses,
    branches,
    totalLossKW: round(lossP * sBaseKW, 4),
    totalLossKvar: round(lossQ * sBaseKW, 4),
    slackKW: round(sp * sBaseKW, 4),
    slackKvar: round(sq * sBaseKW, 4),
    minVoltage: { bus: buses[minI]!.id, vPu: round(vm[minI]!, 6) },
    maxVoltage: { bus: buses[maxI]!.id, vPu: round(vm[maxI]!, 6) },
    violations,
  };
  assertFinite(result);
  return result;
}

function assertFinite(result: PowerFlowResult): void {
  const bad = (v: number) => !Number.isFinite(v);
  if (
    bad(result.totalLossKW) ||
    result.buses.some((b) => bad(b.vPu) || bad(b.angleDeg)) ||
    result.branches.some((b) => bad(b.pFromKW) || bad(b.currentA))
  )
    throw new BaseError("power flow produced a non-finite value; the case is ill-conditioned");
}
