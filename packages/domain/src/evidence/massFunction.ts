import { z } from "zod";
import { BaseError } from "../errors.ts";
import { parseWith } from "../validate.ts";

/** Largest frame of discernment: one bit per hypothesis in an unsigned 32-bit set. */
export const MAX_HYPOTHESES = 32;

/**
 * A mass function over a frame of up to 32 named hypotheses. Focal sets are bitsets (bit i =
 * frame[i]) stored as unsigned 32-bit numbers; masses of the focal sets sum to 1.
 */
export type MassFunction = {
  frame: readonly string[];
  /** focal set (uint32 bitset) → mass; the empty set only appears in unnormalised intermediates. */
  masses: Map<number, number>;
};

/** Combination of the sources is impossible: they contradict each other completely (K = 1). */
export class TotalConflictError extends BaseError {
  override name = "TotalConflictError";
  constructor(readonly sources: string[]) {
    super(
      `total conflict (K = 1) between evidence sources ${sources.join(", ")}: Dempster's rule is undefined`,
    );
  }
}

/** Bitset with every hypothesis of an n-hypothesis frame (Ω). */
export function fullSet(n: number): number {
  return n >= 32 ? 0xffffffff : ((1 << n) >>> 0) - 1;
}

/** Number of hypotheses in a set. */
export function popcount(set: number): number {
  let v = set >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Names of the hypotheses in a set, in frame order. */
export function setNames(frame: readonly string[], set: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < frame.length; i++) if ((set >>> i) & 1) out.push(frame[i]!);
  return out;
}

export const FrameSchema = z
  .array(z.string().min(1, "hypothesis names must be non-empty"))
  .min(1, "needs at least one hypothesis")
  .max(MAX_HYPOTHESES, `at most ${MAX_HYPOTHESES} hypotheses (one bit each)`)
  .superRefine((frame, ctx) => {
    const seen = new Set<string>();
    frame.forEach((h, i) => {
      if (seen.has(h))
        ctx.addIssue({ code: "custom", path: [i], message: `duplicate hypothesis "${h}"` });
      seen.add(h);
    });
  });

const mass = z
  .number()
  .refine(Number.isFinite, "must be a finite number")
  .refine((v) => v >= 0 && v <= 1, "must be between 0 and 1");

export const FocalSchema = z.object({
  set: z.array(z.string()).min(1, "the empty set cannot carry mass"),
  mass,
});

export const SourceSchema = z.object({
  name: z.string().min(1),
  masses: z.array(FocalSchema).min(1, "needs at least one focal set"),
});

/** Tolerance on Σ m = 1. */
export const MASS_SUM_TOLERANCE = 1e-6;

/** A JSON evidence problem: frame, sources and the eq. (9) thresholds. */
export const EvidenceInputSchema = z
  .object({
    frame: FrameSchema,
    sources: z.array(SourceSchema).min(1, "needs at least one source"),
    epsilon1: mass.default(0.1),
    epsilon2: mass.default(0.2),
  })
  .superRefine((input, ctx) => {
    const index = new Map(input.frame.map((h, i) => [h, i]));
    input.sources.forEach((src, s) => {
      let sum = 0;
      const sets = new Set<string>();
      src.masses.forEach((focal, f) => {
        sum += focal.mass;
        const inSet = new Set<string>();
        focal.set.forEach((h, k) => {
          if (!index.has(h))
            ctx.addIssue({
              code: "custom",
              path: ["sources", s, "masses", f, "set", k],
              message: `"${h}" is not in the frame`,
            });
          if (inSet.has(h))
            ctx.addIssue({
              code: "custom",
              path: ["sources", s, "masses", f, "set", k],
              message: `"${h}" appears twice`,
            });
          inSet.add(h);
        });
        const key = [...inSet].sort().join("\u0000");
        if (sets.has(key))
          ctx.addIssue({
            code: "custom",
            path: ["sources", s, "masses", f, "set"],
            message: "this focal set is listed twice in the source",
          });
        sets.add(key);
      });
      if (Math.abs(sum - 1) > MASS_SUM_TOLERANCE)
        ctx.addIssue({
          code: "custom",
          path: ["sources", s, "masses"],
          message: `masses must sum to 1 (they sum to ${Math.round(sum * 1e9) / 1e9})`,
        });
    });
  });

export type EvidenceInput = z.input<typeof EvidenceInputSchema>;
export type ParsedEvidence = {
  frame: string[];
  sources: { name: string; mass: MassFunction }[];
  epsilon1: number;
  epsilon2: number;
};

/**
 * Validates an evidence document and turns each source into a bitset mass function.
 *
 * @example parseEvidence({ frame: ["A","B"], sources: [{ name: "s1", masses: [{ set: ["A"], mass: 1 }] }] })
 */
export function parseEvidence(value: unknown, context = "evidence input"): ParsedEvidence {
  const input = parseWith(EvidenceInputSchema, value, context);
  const index = new Map(input.frame.map((h, i) => [h, i]));
  return {
    frame: input.frame,
    epsilon1: input.epsilon1,
    epsilon2: input.epsilon2,
    sources: input.sources.map((src) => {
      const masses = new Map<number, number>();
      for (const focal of src.masses) {
        let set = 0;
        for (const h of focal.set) set = (set | (1 << index.get(h)!)) >>> 0;
        if (focal.mass > 0) masses.set(set, focal.mass);
      }
      return { name: src.name, mass: { frame: input.frame, masses } };
    }),
  };
}
