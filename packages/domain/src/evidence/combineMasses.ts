import { TotalConflictError, type MassFunction } from "./massFunction.ts";

export type Combination = {
  /** Normalised combined mass function. */
  mass: MassFunction;
  /** Conflict K = Σ over ∩A_i = ∅ of Π m_i(A_i) (002 eq. 7-8); the normaliser is c = 1 − K. */
  conflict: number;
};

/** Conjunctive (unnormalised) combination of two mass functions; ∅ keeps the conflicting mass. */
function conjunctive(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  const bk = [...b.keys()];
  const bv = [...b.values()];
  for (const [sa, ma] of a) {
    for (let j = 0; j < bk.length; j++) {
      const set = (sa & bk[j]!) >>> 0;
      out.set(set, (out.get(set) ?? 0) + ma * bv[j]!);
    }
  }
  return out;
}

/** Mass below which a conflict counts as total (K = 1). */
const TOTAL_CONFLICT = 1 - 1e-12;

/**
 * Dempster's rule for n sources (002 eq. 8): the conjunctive combination of all sources, with the
 * mass that falls on ∅ (the conflict K) removed and the rest divided by 1 − K. Associative, so it
 * is computed as a fold; K is the joint conflict of all n sources. Throws TotalConflictError when
 * K = 1.
 *
 * @example combineMasses([m1, m2]).conflict // 0.9999 for Zadeh's example
 */
export function combineMasses(
  sources: MassFunction[],
  names: string[] = sources.map((_, i) => `#${i + 1}`),
): Combination {
  const first = sources[0];
  if (!first) throw new Error("combineMasses needs at least one source");
  let acc = new Map(first.masses);
  for (let i = 1; i < sources.length; i++) acc = conjunctive(acc, sources[i]!.masses);
  const conflict = acc.get(0) ?? 0;
  if (conflict >= TOTAL_CONFLICT) throw new TotalConflictError(names);
  acc.delete(0);
  const c = 1 - conflict;
  const masses = new Map<number, number>();
  for (const [set, m] of acc) if (m > 0) masses.set(set, m / c);
  return { mass: { frame: first.frame, masses }, conflict: Math.max(0, conflict) };
}

/**
 * Dempster's rule for two sources (002 eq. 6-7).
 *
 * @example combineTwo(m1, m2).mass.masses.get(0b010) // m({B})
 */
export function combineTwo(a: MassFunction, b: MassFunction): Combination {
  return combineMasses([a, b], ["first", "second"]);
}
