import { fullSet, setNames, type MassFunction } from "./massFunction.ts";

/** Bel(A) = Σ_{B ⊆ A} m(B). */
export function belief(m: MassFunction, set: number): number {
  let s = 0;
  for (const [b, v] of m.masses) if (b !== 0 && (b & ~set) >>> 0 === 0) s += v;
  return s;
}

/** Pl(A) = Σ_{B ∩ A ≠ ∅} m(B). */
export function plausibility(m: MassFunction, set: number): number {
  let s = 0;
  for (const [b, v] of m.masses) if ((b & set) >>> 0 !== 0) s += v;
  return s;
}

export type Decision = {
  /** The chosen hypothesis, or null when eq. (9) does not hold. */
  decision: string | null;
  /** x: the singleton with the largest mass, y: the runner-up. */
  x: string;
  mx: number;
  y: string | null;
  my: number;
  /** M(Ω): mass left on the whole frame (ignorance). */
  mOmega: number;
  /** Which of the three conditions of eq. (9) hold. */
  checks: { gap: boolean; uncertainty: boolean; dominance: boolean };
};

/**
 * Decision rule of 002 eq. (9): with x the singleton of largest mass and y the runner-up, decide x
 * when M(x) − M(y) > ε1, M(Ω) < ε2 and M(x) > M(Ω); otherwise no decision (null). Ties for the
 * largest mass give a zero gap, hence no decision.
 *
 * @example decide(combined, 0.1, 0.2).decision // "A"
 */
export function decide(m: MassFunction, epsilon1: number, epsilon2: number): Decision {
  const n = m.frame.length;
  let xi = 0;
  let yi = -1;
  const single = (i: number) => m.masses.get((1 << i) >>> 0) ?? 0;
  for (let i = 1; i < n; i++) if (single(i) > single(xi)) xi = i;
  for (let i = 0; i < n; i++) if (i !== xi && (yi < 0 || single(i) > single(yi))) yi = i;
  const mx = single(xi);
  const my = yi < 0 ? 0 : single(yi);
  const mOmega = m.masses.get(fullSet(n)) ?? 0;
  // A one-hypothesis frame has Ω = {x}: its mass is M(x) and there is no ignorance left.
  const omega = n === 1 ? 0 : mOmega;
  const checks = { gap: mx - my > epsilon1, uncertainty: omega < epsilon2, dominance: mx > omega };
  return {
    decision: checks.gap && checks.uncertainty && checks.dominance ? m.frame[xi]! : null,
    x: m.frame[xi]!,
    mx,
    y: yi < 0 ? null : m.frame[yi]!,
    my,
    mOmega: omega,
    checks,
  };
}

/** Focal sets as named lists, largest mass first (the JSON form of a mass function). */
export function describeMasses(m: MassFunction): { set: string[]; mass: number }[] {
  return [...m.masses.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([set, mass]) => ({ set: setNames(m.frame, set), mass }));
}
