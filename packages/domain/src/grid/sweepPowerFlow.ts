import type { CompiledNetwork } from "./network.ts";
import {
  PowerFlowNotConvergedError,
  type SolverOptions,
  type VoltageState,
} from "./powerFlowTypes.ts";
import { BaseError } from "../errors.ts";

/**
 * Backward/forward sweep power flow for a radial feeder (001 eq. 8-14): branch currents are summed
 * from the leaves up to the slack bus (backward), then voltages are updated from the slack bus down
 * (forward), until both the voltage and the current changes fall below `tolerance` (eq. 13-14).
 * Constant-power injections; everything in typed arrays over the precomputed BFS order, complex
 * arithmetic written out inline.
 *
 * @example const state = sweepPowerFlow(compileNetwork(ieee33)); state.iterations // ~8
 */
export function sweepPowerFlow(net: CompiledNetwork, options: SolverOptions = {}): VoltageState {
  if (!net.radial) throw new BaseError("backward/forward sweep needs a radial network");
  const tol = options.tolerance ?? 1e-9;
  const maxIt = options.maxIterations ?? 100;
  const { n, order, parent, parentBranch, r, x, pInj, qInj } = net;
  const v0 = net.network.slackVoltagePu;
  const vRe = new Float64Array(n).fill(v0);
  const vIm = new Float64Array(n);
  // Branch current flowing from parent into each bus (indexed by the child bus).
  const jRe = new Float64Array(n);
  const jIm = new Float64Array(n);
  const rc = new Float64Array(n);
  const xc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = parentBranch[i]!;
    if (k >= 0) {
      rc[i] = r[k]!;
      xc[i] = x[k]!;
    }
  }
  const accRe = new Float64Array(n);
  const accIm = new Float64Array(n);
  let residual = Infinity;
  for (let it = 1; it <= maxIt; it++) {
    // Backward sweep: J_child = -conj(S_inj / V) + sum of the children's currents.
    let dI = 0;
    accRe.fill(0);
    accIm.fill(0);
    for (let p = n - 1; p >= 1; p--) {
      const b = order[p]!;
      const vr = vRe[b]!;
      const vi = vIm[b]!;
      const d = vr * vr + vi * vi;
      // conj(S/V) = (P - jQ) / conj(V) = (P - jQ)(vr + j vi)/|V|^2
      const pr = pInj[b]!;
      const qi = qInj[b]!;
      const injRe = (pr * vr + qi * vi) / d;
      const injIm = (pr * vi - qi * vr) / d;
      const nr = accRe[b]! - injRe;
      const ni = accIm[b]! - injIm;
      const er = nr - jRe[b]!;
      const ei = ni - jIm[b]!;
      const e = er * er + ei * ei;
      if (e > dI) dI = e;
      jRe[b] = nr;
      jIm[b] = ni;
      const a = parent[b]!;
      accRe[a] = accRe[a]! + nr;
      accIm[a] = accIm[a]! + ni;
    }
    // Forward sweep: V_child = V_parent - Z * J_child.
    let dV = 0;
    for (let p = 1; p < n; p++) {
      const b = order[p]!;
      const a = parent[b]!;
      const nr = vRe[a]! - (rc[b]! * jRe[b]! - xc[b]! * jIm[b]!);
      const ni = vIm[a]! - (rc[b]! * jIm[b]! + xc[b]! * jRe[b]!);
      const er = nr - vRe[b]!;
      const ei = ni - vIm[b]!;
      const e = er * er + ei * ei;
      if (e > dV) dV = e;
      vRe[b] = nr;
      vIm[b] = ni;
      if (!(nr * nr + ni * ni > 1e-4))
        throw new PowerFlowNotConvergedError(
          "bfs",
          it,
          Math.sqrt(dV),
          `voltage at bus "${net.network.buses[b]!.id}" collapsed (load too heavy for the feeder)`,
        );
    }
    residual = Math.sqrt(Math.max(dI, dV));
    if (!Number.isFinite(residual))
      throw new PowerFlowNotConvergedError("bfs", it, residual, "diverged");
    if (it > 1 && residual < tol) return { vRe, vIm, iterations: it, solver: "bfs", residual };
  }
  throw new PowerFlowNotConvergedError("bfs", maxIt, residual);
}
