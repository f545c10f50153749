import { z } from "zod";
import { parseWith } from "../validate.ts";
import { NetworkSchema, type Network } from "../grid/network.ts";
import { checkSafety } from "../grid/safetyCheck.ts";
import { combineMasses } from "./combineMasses.ts";
import { belief, decide, plausibility, type Decision } from "./decide.ts";
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

export const SelectionInputSchema = z
  .object({
    candidates: z.array(CandidateSchema).min(1, "needs at least one candidate"),
    epsilon1: finite.refine((v) => v >= 0 && v <= 1, "must be between 0 and 1").default(0.1),
    epsilon2: finite.refine((v) => v >= 0 && v <= 1, "must be between 0 and 1").default(0.2),
    /** Share of each source's mass always left on Ω (Shafer discounting), default 0.05. */
    discount: finite.refine((v) => v >= 0 && v < 1, "must be in [0, 1)").default(0.05),
    /** Pseudo-count k in n / (n + k): how many observations make a history trustworthy. */
    confidenceK: finite.refine((v) => v >= 0, "must be >= 0").default(5),
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

export type RankedCandidate = {
  id: string;
  mass: number;
  belief: number;
  plausibility: number;
  /** Per-source reliability scores in [0, 1] after the data-volume shrink (null = no data). */
  scores: Record<EvidenceSource, number | null>;
};

export type SelectionResult = {
  decision: string | null;
  conflict: number | null;
  ranking: RankedCandidate[];
  excluded: { id: string; reason: string }[];
  rule: Omit<Decision, "decision"> | null;
};

/**
 * Reliability score of one candidate for one evidence source, in [0, 1], shrunk towards 0 by
 * n / (n + k) so a short history commits less mass (docs/decisions/0303-evidence-mapping.md).
 */
export function sourceScore(
  source: EvidenceSource,
  history: Candidate["history"],
  k: number,
): number | null {
  let score: number;
  let n: number;
  switch (source) {
    case "forecast": {
      const f = history.forecasts;
      if (!f || f.length === 0) return null;
      const planned = f.reduce((s, r) => s + r.forecastKWh, 0);
      const err = f.reduce((s, r) => s + Math.abs(r.actualKWh - r.forecastKWh), 0);
      score = planned > 0 ? 1 - Math.min(1, err / planned) : err > 0 ? 0 : 1;
      n = f.length;
      break;
    }
    case "lineFaults": {
      const h = history.lineFaults;
      if (!h) return null;
      score = 1 - (h.faults + 1) / (h.periods + 2);
      n = h.periods;
      break;
    }
    case "storage": {
      const h = history.storage;
      if (!h) return null;
      score = (h.available + 1) / (h.requests + 2);
      n = h.requests;
      break;
    }
    case "loadShedding": {
      const h = history.loadShedding;
      if (!h) return null;
      score = 1 - (h.sheds + 1) / (h.periods + 2);
      n = h.periods;
      break;
    }
  }
  return score * (n / (n + k));
}

/**
 * One evidence source as a mass function over the candidates: m({c}) = (1 − δ) · w_c / N and the
 * rest on Ω, so a candidate's singleton mass grows with its reliability and its data volume.
 */
export function sourceMass(
  frame: string[],
  weights: (number | null)[],
  discount: number,
): MassFunction {
  const n = frame.length;
  const masses = new Map<number, number>();
  let committed = 0;
  weights.forEach((w, i) => {
    const m = ((1 - discount) * (w ?? 0)) / n;
    if (m > 0) {
      masses.set((1 << i) >>> 0, m);
      committed += m;
    }
  });
  masses.set(fullSet(n), (masses.get(fullSet(n)) ?? 0) + (1 - committed));
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

/**
 * Counterparty selection (002 §2.2.2-2.3): drop the candidates whose trade fails the power-flow
 * safety check, build one mass function per evidence source (forecast accuracy, line faults,
 * storage availability, load shedding) from the candidates' trading histories, fuse them with
 * Dempster's rule and decide with eq. (9). Ranking is by combined singleton mass, so a caller can
 * fall back to the best-ranked candidate when eq. (9) gives no decision.
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
  const scoresOf = (c: Candidate) =>
    Object.fromEntries(
      EVIDENCE_SOURCES.map((s) => [s, sourceScore(s, c.history, input.confidenceK)]),
    ) as Record<EvidenceSource, number | null>;
  if (eligible.length > MAX_HYPOTHESES) {
    const avg = (c: Candidate) =>
      Object.values(scoresOf(c)).reduce<number>((s, v) => s + (v ?? 0), 0);
    const sorted = [...eligible].sort((a, b) => avg(b) - avg(a));
    for (const c of sorted.slice(MAX_HYPOTHESES))
      excluded.push({ id: c.id, reason: `outside the ${MAX_HYPOTHESES} best-scored candidates` });
    eligible = sorted.slice(0, MAX_HYPOTHESES);
  }
  if (eligible.length === 0)
    return { decision: null, conflict: null, ranking: [], excluded, rule: null };
  const frame = eligible.map((c) => c.id);
  const scores = eligible.map(scoresOf);
  const sources = EVIDENCE_SOURCES.map((s) =>
    sourceMass(
      frame,
      scores.map((sc) => sc[s]),
      input.discount,
    ),
  );
  const { mass, conflict } = combineMasses(sources, [...EVIDENCE_SOURCES]);
  const ranking = eligible
    .map((c, i) => {
      const bit = (1 << i) >>> 0;
      return {
        id: c.id,
        mass: r(mass.masses.get(bit) ?? 0),
        belief: r(belief(mass, bit)),
        plausibility: r(plausibility(mass, bit)),
        scores: Object.fromEntries(
          Object.entries(scores[i]!).map(([k, v]) => [k, v === null ? null : r(v)]),
        ) as Record<EvidenceSource, number | null>,
      };
    })
    .sort((a, b) => b.mass - a.mass || a.id.localeCompare(b.id));
  const { decision, ...rule } = decide(mass, input.epsilon1, input.epsilon2);
  return { decision, conflict: r(conflict), ranking, excluded, rule };
}
