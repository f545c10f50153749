import { z } from "zod";
import { parseWith } from "../validate.ts";
import { NetworkSchema, type Network } from "../grid/network.ts";
import { checkSafety } from "../grid/safetyCheck.ts";
import { combineMasses } from "./combineMasses.ts";
import { belief, decide, describeMasses, plausibility, type Decision } from "./decide.ts";
import { MAX_HYPOTHESES, fullSet, type MassFunction } from "./massFunction.ts";

const count = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, "must be a finite number");

/** A unit's trading history, as the BaaS ledger of 002 §2.3.2 would hold it. */
export const HistorySchema = z
  .object({
    /** Generation forecast vs. delivered energy per past trade. */
    forecasts: z
      .array(
        z.object({
          forecastKWh: finite.refine((v) => v >= 0, "must be >= 0"),
          actualKWh: finite.refine((v) => v >= 0, "must be >= 0"),
          /** Relative error still counted as accurate (the market's band); default forecastTolerance. */
          tolerance: finite.refine((v) => v >= 0 && v <= 1, "must be between 0 and 1").optional(),
        }),
      )
      .optional(),
    /** Faults on the lines serving the unit over a number of observed periods. */
    lineFaults: z.object({ periods: count, faults: count }).optional(),
    /** Storage availability: how often the unit's storage was available when called. */
    storage: z.object({ requests: count, available: count }).optional(),
    /** Load shedding: periods observed and periods in which the unit shed load / failed to serve. */
    loadShedding: z.object({ periods: count, sheds: count }).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.lineFaults && h.lineFaults.faults > h.lineFaults.periods)
      ctx.addIssue({
        code: "custom",
        path: ["lineFaults", "faults"],
        message: "cannot exceed periods",
      });
    if (h.storage && h.storage.available > h.storage.requests)
      ctx.addIssue({
        code: "custom",
        path: ["storage", "available"],
        message: "cannot exceed requests",
      });
    if (h.loadShedding && h.loadShedding.sheds > h.loadShedding.periods)
      ctx.addIssue({
        code: "custom",
        path: ["loadShedding", "sheds"],
        message: "cannot exceed periods",
      });
  });

export const CandidateSchema = z.object({
  id: z.string().min(1),
  bus: z.string().min(1).optional(),
  history: HistorySchema,
});

export const EVIDENCE_SOURCES = ["forecast", "lineFaults", "storage", "loadShedding"] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

const unit = finite.refine((v) => v >= 0 && v <= 1, "must be between 0 and 1");

export const SelectionInputSchema = z
  .object({
    candidates: z.array(CandidateSchema).min(1, "needs at least one candidate"),
    epsilon1: unit.default(0.1),
    epsilon2: unit.default(0.2),
    /** Relative forecast error still counted as an accurate delivery when a record has none. */
    forecastTolerance: unit.default(0.1),
    /** Optional safety filter: the trade each candidate would make, checked by power flow. */
    trade: z
      .object({
        network: NetworkSchema,
        buyerBus: z.string().min(1),
        quantityKW: finite.refine((v) => v > 0, "must be > 0"),
      })
      .optional(),
  })
  .superRefine((input, ctx) => {
    const ids = new Set<string>();
    input.candidates.forEach((c, i) => {
      if (ids.has(c.id))
        ctx.addIssue({
          code: "custom",
          path: ["candidates", i, "id"],
          message: `duplicate candidate "${c.id}"`,
        });
      ids.add(c.id);
      if (input.trade && c.bus === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["candidates", i, "bus"],
          message: "required when a trade is safety-checked",
        });
    });
  });

export type Candidate = z.output<typeof CandidateSchema>;
export type SelectionInput = z.input<typeof SelectionInputSchema>;
/** Caller-supplied safety filter (e.g. a cached check): true = the candidate may trade. */
export type SafetyFilter = (candidate: Candidate) => { safe: boolean; reason?: string };

/** A source's record of one candidate: trials and how many went well. */
export type SourceCounts = { trials: number; successes: number };

export type RankedCandidate = {
  id: string;
  mass: number;
  belief: number;
  plausibility: number;
  /** Per-source reliability (s + 1) / (n + 2) (null = no data). */
  scores: Record<EvidenceSource, number | null>;
  /** Per-source plausibility that this candidate is at least as reliable as the source's best. */
  contrast: Record<EvidenceSource, number | null>;
};

export type SelectionResult = {
  decision: string | null;
  conflict: number | null;
  ranking: RankedCandidate[];
  excluded: { id: string; reason: string }[];
  /** Each source's mass function over the frame, largest mass first. */
  sources: { name: EvidenceSource; masses: { set: string[]; mass: number }[] }[];
  rule: Omit<Decision, "decision"> | null;
  /** Why eq. (9) decided or did not, one line per condition. */
  reasons: string[];
};

/**
 * Trials and successes of one candidate for one source (null = no data): forecast = delivery
 * periods, accurate within the tolerance; line faults = periods, periods without a fault; storage =
 * calls, calls answered; load shedding = periods, periods not shed.
 */
export function sourceCounts(
  source: EvidenceSource,
  history: Candidate["history"],
  forecastTolerance: number,
): SourceCounts | null {
  switch (source) {
    case "forecast": {
      const f = history.forecasts;
      if (!f || f.length === 0) return null;
      const ok = f.filter(
        (r) =>
          Math.abs(r.actualKWh - r.forecastKWh) <=
          (r.tolerance ?? forecastTolerance) * r.forecastKWh,
      ).length;
      return { trials: f.length, successes: ok };
    }
    case "lineFaults": {
      const h = history.lineFaults;
      return h ? { trials: h.periods, successes: h.periods - h.faults } : null;
    }
    case "storage": {
      const h = history.storage;
      return h ? { trials: h.requests, successes: h.available } : null;
    }
    case "loadShedding": {
      const h = history.loadShedding;
      return h ? { trials: h.periods, successes: h.periods - h.sheds } : null;
    }
  }
}

/** Mean and variance of the Beta(s + 1, n − s + 1) posterior (Laplace's rule of succession). */
function posterior(c: SourceCounts): { mean: number; variance: number } {
  const a = c.successes + 1;
  const b = c.trials - c.successes + 1;
  return { mean: a / (a + b), variance: (a * b) / ((a + b) ** 2 * (a + b + 1)) };
}

/** Complementary error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-x * x);
}

/**
 * Plausibility that each candidate is at least as reliable as the source's best (by posterior
 * mean): 1 for the best and for anyone it cannot be told apart from, else the two-sided p-value
 * 2·(1 − Φ(z)) of the difference of the two posteriors (docs/decisions/0306). null = no data.
 */
export function contrastPlausibility(counts: (SourceCounts | null)[]): (number | null)[] {
  const post = counts.map((c) => (c ? posterior(c) : null));
  let best = -1;
  post.forEach((p, i) => {
    if (p && (best < 0 || p.mean > post[best]!.mean)) best = i;
  });
  if (best < 0) return post.map(() => null);
  const top = post[best]!;
  return post.map((p) => {
    if (!p) return null;
    const z = (top.mean - p.mean) / Math.sqrt(top.variance + p.variance);
    return z <= 0 ? 1 : erfc(z / Math.SQRT2);
  });
}

/**
 * One source as a consonant mass function (docs/decisions/0306-evidence-from-history.md): sort
 * the rated candidates by plausibility π, put π_(k) − π_(k+1) on the k most plausible together
 * with every candidate the source has no data on, and π of the least plausible on Ω. A candidate
 * the source cannot tell from the best shares every focal set with it; one without data is never
 * ruled out by this source.
 */
export function sourceMass(frame: string[], plausibility: (number | null)[]): MassFunction {
  const masses = new Map<number, number>();
  let set = 0;
  plausibility.forEach((p, i) => {
    if (p === null) set = (set | (1 << i)) >>> 0;
  });
  const rated = plausibility
    .map((p, i) => ({ p, i }))
    .filter((r): r is { p: number; i: number } => r.p !== null)
    .sort((a, b) => b.p - a.p || a.i - b.i);
  if (rated.length === 0) return { frame, masses: new Map([[fullSet(frame.length), 1]]) };
  rated.forEach((r, k) => {
    set = (set | (1 << r.i)) >>> 0;
    const m = r.p - (rated[k + 1]?.p ?? 0);
    if (m > 0) masses.set(set, (masses.get(set) ?? 0) + m);
  });
  return { frame, masses };
}

function tradeSafety(network: Network, buyerBus: string, quantityKW: number): SafetyFilter {
  return (c) => {
    const report = checkSafety({
      network,
      transactions: [
        {
          id: c.id,
          injections: [
            { bus: c.bus!, kw: quantityKW, kvar: 0 },
            { bus: buyerBus, kw: -quantityKW, kvar: 0 },
          ],
        },
      ],
    });
    const v = report.transactions[0]!;
    return { safe: v.safe, reason: v.reasons.join("; ") };
  };
}

const r = (v: number) => Math.round(v * 1e12) / 1e12;
const f3 = (v: number) => v.toFixed(3);

/** The three conditions of eq. (9) as sentences, the failing ones saying what was missing. */
export function explainDecision(
  rule: Omit<Decision, "decision">,
  epsilon1: number,
  epsilon2: number,
): string[] {
  const gap = rule.mx - rule.my;
  return [
    `gap M(${rule.x}) − M(${rule.y ?? "none"}) = ${f3(gap)} ${rule.checks.gap ? ">" : "≤"} ε1 = ${epsilon1}`,
    `ignorance M(Ω) = ${f3(rule.mOmega)} ${rule.checks.uncertainty ? "<" : "≥"} ε2 = ${epsilon2}`,
    `dominance M(${rule.x}) = ${f3(rule.mx)} ${rule.checks.dominance ? ">" : "≤"} M(Ω) = ${f3(rule.mOmega)}`,
  ];
}

/**
 * Counterparty selection (002 §2.2.2-2.3): drop the candidates whose trade fails the power-flow
 * safety check, build one consonant mass function per evidence source (forecast accuracy, line
 * faults, storage availability, load shedding) from each candidate's record against the source's
 * best, fuse them with Dempster's rule and decide with eq. (9). Ranking is by combined singleton
 * mass, then plausibility, so a caller can fall back to the best-ranked candidate when eq. (9)
 * gives no decision. Throws TotalConflictError when the sources contradict each other completely.
 *
 * @example selectCounterparty({ candidates, trade: { network, buyerBus: "3", quantityKW: 50 } }).decision
 */
export function selectCounterparty(
  value: SelectionInput,
  options: { safetyFilter?: SafetyFilter } = {},
): SelectionResult {
  const input = parseWith(SelectionInputSchema, value, "selection input");
  const filter =
    options.safetyFilter ??
    (input.trade
      ? tradeSafety(input.trade.network, input.trade.buyerBus, input.trade.quantityKW)
      : undefined);
  const excluded: { id: string; reason: string }[] = [];
  let eligible: Candidate[] = [];
  for (const c of input.candidates) {
    const verdict = filter ? filter(c) : { safe: true };
    if (verdict.safe) eligible.push(c);
    else excluded.push({ id: c.id, reason: `unsafe: ${verdict.reason ?? "safety check failed"}` });
  }
  const countsOf = (c: Candidate) =>
    EVIDENCE_SOURCES.map((s) => sourceCounts(s, c.history, input.forecastTolerance));
  const meanSum = (c: Candidate) =>
    countsOf(c).reduce((s, v) => s + (v ? posterior(v).mean : 0), 0);
  if (eligible.length > MAX_HYPOTHESES) {
    const sorted = [...eligible].sort((a, b) => meanSum(b) - meanSum(a));
    for (const c of sorted.slice(MAX_HYPOTHESES))
      excluded.push({ id: c.id, reason: `outside the ${MAX_HYPOTHESES} best-scored candidates` });
    eligible = sorted.slice(0, MAX_HYPOTHESES);
  }
  if (eligible.length === 0)
    return {
      decision: null,
      conflict: null,
      ranking: [],
      excluded,
      sources: [],
      rule: null,
      reasons: ["no eligible candidate"],
    };
  const frame = eligible.map((c) => c.id);
  const counts = eligible.map(countsOf);
  const contrast = EVIDENCE_SOURCES.map((_, s) => contrastPlausibility(counts.map((c) => c[s]!)));
  const sources = contrast.map((pl) => sourceMass(frame, pl));
  const { mass, conflict } = combineMasses(sources, [...EVIDENCE_SOURCES]);
  const perSource = <T>(f: (s: number) => T) =>
    Object.fromEntries(EVIDENCE_SOURCES.map((name, s) => [name, f(s)])) as Record<
      EvidenceSource,
      T
    >;
  const ranking = eligible
    .map((c, i) => {
      const bit = (1 << i) >>> 0;
      return {
        id: c.id,
        mass: r(mass.masses.get(bit) ?? 0),
        belief: r(belief(mass, bit)),
        plausibility: r(plausibility(mass, bit)),
        scores: perSource((s) => {
          const n = counts[i]![s];
          return n ? r(posterior(n).mean) : null;
        }),
        contrast: perSource((s) => {
          const p = contrast[s]![i];
          return p === null || p === undefined ? null : r(p);
        }),
      };
    })
    .sort((a, b) => b.mass - a.mass || b.plausibility - a.plausibility || a.id.localeCompare(b.id));
  const { decision, ...rule } = decide(mass, input.epsilon1, input.epsilon2);
  return {
    decision,
    conflict: r(conflict),
    ranking,
    excluded,
    sources: EVIDENCE_SOURCES.map((name, s) => ({
      name,
      masses: describeMasses(sources[s]!).map((m) => ({ set: m.set, mass: r(m.mass) })),
    })),
    rule: { ...rule, mx: r(rule.mx), my: r(rule.my), mOmega: r(rule.mOmega) },
    reasons: explainDecision(rule, input.epsilon1, input.epsilon2),
  };
}
