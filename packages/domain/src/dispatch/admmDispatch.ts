import { DispatchInfeasibleError, capacityW, marginalPrice, type Offer } from "./dispatchTypes.ts";
import type { IntegerAllocation } from "./meritOrder.ts";

export type AdmmOptions = {
  /** Initial penalty ρ on the normalised problem (see docs/decisions/0302-admm-dispatch.md). */
  rho?: number;
  /** Stop when the primal and dual residuals, relative to the request, are below this. */
  tolerance?: number;
  maxIterations?: number;
};

export type AdmmResult = IntegerAllocation & {
  iterations: number;
  /** The coordinator's price signal at convergence, currency per kWh. */
  priceSignal: number;
  primalResidual: number;
  dualResidual: number;
  converged: boolean;
};

/**
 * Distributed dispatch by ADMM on the sharing form of 001 eq. (7) (Boyd et al. 2011, §7.3): each
 * provider i solves its own one-dimensional problem
 *   x_i ← argmin f_i(x) + ρ/2 (x − x_i + x̄ − D/N + u)²   over 0 ≤ x ≤ cap_i
 * (closed form for a convex piecewise-linear quote), and the coordinator only averages and updates
 * the scaled price u ← u + x̄ − D/N. ρ is re-balanced from the residuals every 10 iterations. The
 * continuous result is repaired to Σ x = D by marginal price and rounded to integer watts.
 *
 * @example admmDispatch(offers, 500_000, 2).iterations // a few hundred
 */
export function admmDispatch(
  offers: Offer[],
  requestW: number,
  durationH: number,
  capsW?: number[],
  options: AdmmOptions = {},
): AdmmResult {
  const n = offers.length;
  const capW = offers.map((o, i) => Math.min(capacityW(o, durationH), capsW?.[i] ?? Infinity));
  const totalW = capW.reduce((s, c) => s + c, 0);
  if (totalW < requestW) throw new DispatchInfeasibleError(requestW / 1000, totalW / 1000);
  const D = requestW / 1000;
  const pMax = Math.max(1e-12, ...offers.flatMap((o) => o.segments.map((s) => Math.abs(s.price))));
  // Normalised problem: x̃ = x / D, prices p̃ = p / pMax, so ρ ≈ 1 suits every instance.
  const segStart: number[] = [0];
  const segW: number[] = [];
  const segP: number[] = [];
  offers.forEach((o, i) => {
    let left = capW[i]! / 1000 / D;
    for (const s of o.segments) {
      if (left <= 0) break;
      const w = Math.min(left, s.kw / D);
      segW.push(w);
      segP.push(s.price / pMax);
      left -= w;
    }
    segStart.push(segW.length);
  });
  const tol = options.tolerance ?? 1e-6;
  const tolDual = tol * Math.sqrt(n);
  const maxIt = options.maxIterations ?? 20_000;
  let rho = options.rho ?? 1;
  const target = 1 / n;
  const x = new Float64Array(n).fill(target);
  const xPrev = new Float64Array(n);
  let xbar = mean(x);
  let u = 0;
  let it = 0;
  let r = Infinity;
  let s = Infinity;
  let converged = false;
  while (it < maxIt) {
    it++;
    xPrev.set(x);
    const xbarPrev = xbar;
    for (let i = 0; i < n; i++) {
      // Provider i's local problem (prox of its piecewise-linear cost on [0, cap_i]).
      const v = x[i]! - xbar + target - u;
      let a = 0;
      let sol = -1;
      for (let k = segStart[i]!; k < segStart[i + 1]!; k++) {
        const cand = v - segP[k]! / rho;
        if (cand <= a) {
          sol = a;
          break;
        }
        if (cand < a + segW[k]!) {
          sol = cand;
          break;
        }
        a += segW[k]!;
      }
      x[i] = sol < 0 ? a : sol;
    }
    xbar = mean(x);
    u += xbar - target;
    r = n * Math.abs(xbar - target);
    let d2 = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i]! - xbar - (xPrev[i]! - xbarPrev);
      d2 += d * d;
    }
    s = rho * Math.sqrt(d2);
    if (r < tol && s < tolDual) {
      converged = true;
      break;
    }
    if (it % 10 === 0 && it <= 200) {
      if (r > 10 * s) {
        rho *= 2;
        u /= 2;
      } else if (s > 10 * r) {
        rho /= 2;
        u *= 2;
      }
    }
  }
  const watts = repairAndRound(
    offers,
    Array.from(x, (v) => v * D),
    capW,
    requestW,
  );
  let clearingPrice = 0;
  watts.forEach((w, i) => {
    if (w > 0) clearingPrice = Math.max(clearingPrice, marginalPrice(offers[i]!, (w - 0.5) / 1000));
  });
  return {
    watts,
    clearingPrice,
    iterations: it,
    priceSignal: -rho * u * pMax,
    primalResidual: r,
    dualResidual: s,
    converged,
  };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/**
 * Makes a continuous allocation exact in integer watts: floor, then hand out the missing watts to
 * offers with headroom cheapest marginal price first (or take surplus from the dearest).
 */
function repairAndRound(offers: Offer[], kw: number[], capW: number[], requestW: number): number[] {
  const watts = kw.map((v, i) => Math.max(0, Math.min(capW[i]!, Math.floor(v * 1000 + 1e-6))));
  let diff = requestW - watts.reduce((s, w) => s + w, 0);
  const order = offers.map((_, i) => i);
  if (diff > 0) {
    order.sort(
      (a, b) =>
        marginalPrice(offers[a]!, watts[a]! / 1000) - marginalPrice(offers[b]!, watts[b]! / 1000) ||
        a - b,
    );
    for (const i of order) {
      if (diff <= 0) break;
      const add = Math.min(diff, capW[i]! - watts[i]!);
      watts[i]! += add;
      diff -= add;
    }
  } else if (diff < 0) {
    order.sort(
      (a, b) =>
        marginalPrice(offers[b]!, Math.max(0, watts[b]! / 1000 - 1e-9)) -
          marginalPrice(offers[a]!, Math.max(0, watts[a]! / 1000 - 1e-9)) || b - a,
    );
    for (const i of order) {
      if (diff >= 0) break;
      const take = Math.min(-diff, watts[i]!);
      watts[i]! -= take;
      diff += take;
    }
  }
  return watts;
}
