import { combineMasses } from "./combineMasses.ts";
import { belief, decide, describeMasses, plausibility, type Decision } from "./decide.ts";
import { parseEvidence } from "./massFunction.ts";

export type EvidenceResult = {
  conflict: number;
  masses: { set: string[]; mass: number }[];
  belief: Record<string, number>;
  plausibility: Record<string, number>;
  decision: string | null;
  rule: Omit<Decision, "decision">;
};

const r = (v: number) => Math.round(v * 1e12) / 1e12;

/**
 * Validates an evidence document, fuses its sources with Dempster's rule and applies eq. (9).
 *
 * @example evaluateEvidence({ frame: ["A","B","C"], sources, epsilon1: 0.1, epsilon2: 0.2 }).decision
 */
export function evaluateEvidence(value: unknown): EvidenceResult {
  const input = parseEvidence(value);
  const { mass, conflict } = combineMasses(
    input.sources.map((s) => s.mass),
    input.sources.map((s) => s.name),
  );
  const bel: Record<string, number> = {};
  const pl: Record<string, number> = {};
  input.frame.forEach((h, i) => {
    bel[h] = r(belief(mass, (1 << i) >>> 0));
    pl[h] = r(plausibility(mass, (1 << i) >>> 0));
  });
  const { decision, ...rule } = decide(mass, input.epsilon1, input.epsilon2);
  return {
    conflict: r(conflict),
    masses: describeMasses(mass).map((f) => ({ set: f.set, mass: r(f.mass) })),
    belief: bel,
    plausibility: pl,
    decision,
    rule: { ...rule, mx: r(rule.mx), my: r(rule.my), mOmega: r(rule.mOmega) },
  };
}
