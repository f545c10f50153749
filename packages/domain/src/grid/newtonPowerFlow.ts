import type { CompiledNetwork } from "./network.ts";
import {
  PowerFlowNotConvergedError,
  type SolverOptions,
  type VoltageState,
} from "./powerFlowTypes.ts";
import { SingularMatrixError, SparseLu, minimumDegreeOrder } from "./sparseLu.ts";

/** Bus admittance matrix in CSR form (diagonal included), pu. */
export type Admittance = {
  ptr: Int32Array;
  col: Int32Array;
  g: Float64Array;
  b: Float64Array;
};

/** Builds Y-bus from the in-service series branches (parallel branches add up). */
export function buildAdmittance(net: CompiledNetwork): Admittance {
  const rows: Map<number, [number, number]>[] = Array.from({ length: net.n }, () => new Map());
  const add = (i: number, k: number, g: number, b: number) => {
    const row = rows[i]!;
    const cur = row.get(k);
    if (cur) {
      cur[0] += g;
      cur[1] += b;
    } else row.set(k, [g, b]);
  };
  for (let i = 0; i < net.n; i++) add(i, i, 0, 0);
  for (let e = 0; e < net.from.length; e++) {
    const r = net.r[e]!;
    const x = net.x[e]!;
    const d = r * r + x * x;
    const g = r / d;
    const b = -x / d;
    const f = net.from[e]!;
    const t = net.to[e]!;
    add(f, f, g, b);
    add(t, t, g, b);
    add(f, t, -g, -b);
    add(t, f, -g, -b);
  }
  const ptr = new Int32Array(net.n + 1);
  rows.forEach((row, i) => (ptr[i + 1] = ptr[i]! + row.size));
  const col = new Int32Array(ptr[net.n]!);
  const g = new Float64Array(col.length);
  const b = new Float64Array(col.length);
  rows.forEach((row, i) => {
    let p = ptr[i]!;
    for (const [k, [gv, bv]] of [...row.entries()].sort((a, c) => a[0] - c[0])) {
      col[p] = k;
      g[p] = gv;
      b[p] = bv;
      p++;
    }
  });
  return { ptr, col, g, b };
}

/**
 * Newton-Raphson power flow in polar form for meshed (or radial) networks: unknowns θ and |V| at
 * every PQ bus, the Jacobian assembled into a fixed sparse pattern (2×2 block per Y-bus entry)
 * ordered by minimum degree, factorised by a sparse LU each iteration. Flat start; stops when the
 * largest active/reactive mismatch is below `tolerance` pu.
 *
 * @example const state = newtonPowerFlow(compileNetwork(meshed)); state.solver // "nr"
 */
export function newtonPowerFlow(net: CompiledNetwork, options: SolverOptions = {}): VoltageState {
  const tol = options.tolerance ?? 1e-9;
  const maxIt = options.maxIterations ?? 30;
  const { n, slack, pInj, qInj } = net;
  const y = buildAdmittance(net);

  // Symbolic phase: bus graph without the slack, minimum-degree order, filled block pattern.
  const busOf: number[] = [];
  const local = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++)
    if (i !== slack) {
      local[i] = busOf.length;
      busOf.push(i);
    }
  const m = busOf.length;
  const adjacency = busOf.map((i) => {
    const s = new Set<number>();
    for (let p = y.ptr[i]!; p < y.ptr[i + 1]!; p++) {
      const k = local[y.col[p]!]!;
      if (k >= 0 && y.col[p] !== i) s.add(k);
    }
    return s;
  });
  const { order, later } = minimumDegreeOrder(adjacency);
  const pos = new Int32Array(m);
  order.forEach((v, p) => (pos[v] = p));
  const filled: Set<number>[] = Array.from({ length: m }, (_, p) => new Set([p]));
  for (let v = 0; v < m; v++)
    for (const u of later[v]!) {
      filled[pos[v]!]!.add(pos[u]!);
      filled[pos[u]!]!.add(pos[v]!);
    }
  const pattern: number[][] = new Array<number[]>(2 * m);
  for (let p = 0; p < m; p++) {
    const blocks = [...filled[p]!].sort((a, b) => a - b);
    const cols: number[] = [];
    for (const q of blocks) cols.push(2 * q, 2 * q + 1);
    pattern[2 * p] = cols;
    pattern[2 * p + 1] = cols;
  }
  const lu = new SparseLu(pattern);
  // For every Y-bus entry between PQ buses, where its 2×2 Jacobian block lives in lu.values.
  const nnz = y.col.length;
  const slot = new Int32Array(4 * nnz).fill(-1);
  const rowOf = new Int32Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let e = y.ptr[i]!; e < y.ptr[i + 1]!; e++) {
      rowOf[e] = i;
      const k = y.col[e]!;
      if (i === slack || k === slack) continue;
      const pi = pos[local[i]!]!;
      const pk = pos[local[k]!]!;
      slot[4 * e] = lu.position(2 * pi, 2 * pk);
      slot[4 * e + 1] = lu.position(2 * pi, 2 * pk + 1);
      slot[4 * e + 2] = lu.position(2 * pi + 1, 2 * pk);
      slot[4 * e + 3] = lu.position(2 * pi + 1, 2 * pk + 1);
    }
  }

  const vm = new Float64Array(n).fill(1);
  const va = new Float64Array(n);
  vm[slack] = net.network.slackVoltagePu;
  const e = new Float64Array(n);
  const f = new Float64Array(n);
  const pCalc = new Float64Array(n);
  const qCalc = new Float64Array(n);
  const rhs = new Float64Array(2 * m);
  const vals = lu.values;
  let residual = Infinity;
  for (let it = 0; it <= maxIt; it++) {
    for (let i = 0; i < n; i++) {
      e[i] = vm[i]! * Math.cos(va[i]!);
      f[i] = vm[i]! * Math.sin(va[i]!);
    }
    // S_i = V_i conj(sum_k Y_ik V_k)
    residual = 0;
    for (let i = 0; i < n; i++) {
      let ir = 0;
      let ii = 0;
      for (let p = y.ptr[i]!; p < y.ptr[i + 1]!; p++) {
        const k = y.col[p]!;
        ir += y.g[p]! * e[k]! - y.b[p]! * f[k]!;
        ii += y.g[p]! * f[k]! + y.b[p]! * e[k]!;
      }
      pCalc[i] = e[i]! * ir + f[i]! * ii;
      qCalc[i] = f[i]! * ir - e[i]! * ii;
      if (i !== slack) {
        const p2 = 2 * pos[local[i]!]!;
        const dp = pInj[i]! - pCalc[i]!;
        const dq = qInj[i]! - qCalc[i]!;
        rhs[p2] = dp;
        rhs[p2 + 1] = dq;
        const a = Math.max(Math.abs(dp), Math.abs(dq));
        if (!(a <= residual)) residual = a;
      }
    }
    if (!Number.isFinite(residual))
      throw new PowerFlowNotConvergedError("nr", it, residual, "diverged");
    if (residual < tol) {
      return { vRe: e, vIm: f, iterations: it, solver: "nr", residual };
    }
    if (it === maxIt) break;
    // Jacobian in the fixed pattern.
    vals.fill(0);
    for (let p = 0; p < nnz; p++) {
      const s0 = slot[4 * p]!;
      if (s0 < 0) continue;
      const i = rowOf[p]!;
      const k = y.col[p]!;
      const g = y.g[p]!;
      const b = y.b[p]!;
      if (i === k) {
        const v = vm[i]!;
        vals[s0] = -qCalc[i]! - b * v * v;
        vals[slot[4 * p + 1]!] = pCalc[i]! / v + g * v;
        vals[slot[4 * p + 2]!] = pCalc[i]! - g * v * v;
        vals[slot[4 * p + 3]!] = qCalc[i]! / v - b * v;
      } else {
        const a = e[i]! * e[k]! + f[i]! * f[k]!; // V_i V_k cos θ_ik
        const s = f[i]! * e[k]! - e[i]! * f[k]!; // V_i V_k sin θ_ik
        const vk = vm[k]!;
        const h = g * s - b * a;
        const nn = g * a + b * s;
        vals[s0] = h;
        vals[slot[4 * p + 1]!] = nn / vk;
        vals[slot[4 * p + 2]!] = -nn;
        vals[slot[4 * p + 3]!] = h / vk;
      }
    }
    try {
      lu.factor();
    } catch (cause) {
      if (cause instanceof SingularMatrixError)
        throw new PowerFlowNotConvergedError("nr", it, residual, "singular Jacobian");
      throw cause;
    }
    lu.solve(rhs);
    for (let j = 0; j < m; j++) {
      const i = busOf[j]!;
      const p2 = 2 * pos[j]!;
      va[i] = va[i]! + rhs[p2]!;
      vm[i] = vm[i]! + rhs[p2 + 1]!;
      if (!(vm[i]! > 0.05))
        throw new PowerFlowNotConvergedError(
          "nr",
          it + 1,
          residual,
          `voltage at bus "${net.network.buses[i]!.id}" collapsed`,
        );
    }
  }
  throw new PowerFlowNotConvergedError("nr", maxIt, residual);
}
