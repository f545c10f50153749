import type { Config } from "../config/config.ts";
import type { MonitorSample } from "./metrics.ts";

/** The configured thresholds the rules use (documented defaults in config.ts and 0460). */
export type AlertThresholds = Pick<
  Config,
  | "ALERT_FOR_S"
  | "ALERT_INDEXER_LAG_BLOCKS"
  | "ALERT_ANCHOR_QUEUE_AGE_S"
  | "ALERT_TRUST_WINDOW_S"
  | "ALERT_TDVA_VERIFY_GRACE_S"
  | "ALERT_BUDGET_MIN_REMAINING"
>;

export type AlertSeverity = "critical" | "warning" | "info";

/** What a rule's in-process predicate sees: the latest sample and counter growth over a window. */
export type RuleInput = {
  now: MonitorSample;
  /** Growth of a counter over the last `windowS` seconds (0 at start-up: counters begin at 0). */
  increase(pick: (s: MonitorSample) => number, windowS: number): number;
};

/**
 * One alert rule, written once: the PromQL Prometheus evaluates (monitoring/alerts.rules.yml is
 * generated from it) and the predicate the in-process evaluator runs over the same metric values.
 */
export type AlertRule = {
  name: string;
  severity: AlertSeverity;
  summary: string;
  expr(t: AlertThresholds): string;
  /** Seconds the condition must hold before the alert fires. */
  forS(t: AlertThresholds): number;
  /** The value the expression yields when it holds, or undefined when it does not. */
  evaluate(input: RuleInput, t: AlertThresholds): number | undefined;
};

const when = (condition: boolean, value: number): number | undefined =>
  condition ? value : undefined;

/** Every alert rule; thresholds from configuration. */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    name: "IndexerStopped",
    severity: "critical",
    summary: "The chain indexer has stopped: history in the graph no longer grows.",
    expr: () => "gridledger_indexer_up == 0",
    forS: (t) => t.ALERT_FOR_S,
    evaluate: ({ now }) => when(now.indexer.up === 0, 0),
  },
  {
    name: "IndexerLagging",
    severity: "warning",
    summary: "The chain indexer trails the chain head by more blocks than allowed.",
    expr: (t) => `gridledger_indexer_lag_blocks > ${t.ALERT_INDEXER_LAG_BLOCKS}`,
    forS: (t) => t.ALERT_FOR_S,
    evaluate: ({ now }, t) =>
      when(now.indexer.lagBlocks > t.ALERT_INDEXER_LAG_BLOCKS, now.indexer.lagBlocks),
  },
  {
    name: "IndexerReorg",
    severity: "critical",
    summary:
      "A reorganisation deeper than the confirmations stopped the indexer; re-index into a fresh DATA_DIR.",
    expr: () => "gridledger_indexer_reorg == 1",
    forS: () => 0,
    evaluate: ({ now }) => when(now.indexer.reorg === 1, 1),
  },
  {
    name: "AnchoringFailing",
    severity: "critical",
    summary: "The latest anchoring attempt failed; records stay queued until one succeeds.",
    expr: () => "gridledger_anchoring_failing == 1",
    forS: () => 0,
    evaluate: ({ now }) => when(now.anchoring.failing === 1, 1),
  },
  {
    name: "AnchoringQueueTooOld",
    severity: "warning",
    summary: "A record has waited for its anchoring batch longer than allowed.",
    expr: (t) => `gridledger_anchoring_oldest_queued_age_seconds > ${t.ALERT_ANCHOR_QUEUE_AGE_S}`,
    forS: () => 0,
    evaluate: ({ now }, t) =>
      when(
        now.anchoring.oldestQueuedAgeS > t.ALERT_ANCHOR_QUEUE_AGE_S,
        now.anchoring.oldestQueuedAgeS,
      ),
  },
  {
    name: "TrustedComparisonMismatch",
    severity: "warning",
    summary: "Aggregator figures deviated from device-signed readings beyond the tolerance.",
    expr: (t) =>
      `increase(gridledger_trusted_comparison_mismatches_total[${t.ALERT_TRUST_WINDOW_S}s]) > 0`,
    forS: () => 0,
    evaluate: ({ increase }, t) => {
      const n = increase((s) => s.trust.mismatchesTotal, t.ALERT_TRUST_WINDOW_S);
      return when(n > 0, n);
    },
  },
  {
    name: "TdvaVerificationOverdue",
    severity: "warning",
    summary: "A TDVA event's window ended past the grace period and it is still not verified.",
    expr: () => "gridledger_tdva_verification_overdue_events > 0",
    forS: () => 0,
    evaluate: ({ now }) => when(now.tdva.overdue > 0, now.tdva.overdue),
  },
  {
    name: "DispatchBudgetNearExhaustion",
    severity: "warning",
    summary: "A dispatched TDVA event has less of its locked budget left than allowed.",
    expr: (t) => `gridledger_tdva_budget_min_remaining_ratio < ${t.ALERT_BUDGET_MIN_REMAINING}`,
    forS: () => 0,
    evaluate: ({ now }, t) =>
      when(now.tdva.minRemainingRatio < t.ALERT_BUDGET_MIN_REMAINING, now.tdva.minRemainingRatio),
  },
  {
    name: "GovernanceProposalsWaiting",
    severity: "info",
    summary: "Alliance proposals are waiting for votes, queueing or execution.",
    expr: () =>
      'sum(gridledger_governance_proposals{state=~"Pending|Active|Succeeded|Queued"}) > 0',
    forS: (t) => t.ALERT_FOR_S,
    evaluate: ({ now }) => when(now.governance.waiting > 0, now.governance.waiting),
  },
];

/** Prometheus duration for a number of seconds (`90s`, `2m`, `1h`). */
export function promDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * The rules as a Prometheus rule file (YAML; strings JSON-quoted, which YAML reads as
 * double-quoted scalars).
 *
 * @example writeFileSync("monitoring/alerts.rules.yml", alertRulesYaml(loadConfig({})))
 */
export function alertRulesYaml(t: AlertThresholds): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    "# Generated by scripts/generate-alert-rules.ts from services/src/monitoring/rules.ts",
    "# with the default thresholds (services/src/config/config.ts). Do not edit; regenerate.",
    "groups:",
    "  - name: gridledger",
    "    rules:",
  ];
  for (const rule of ALERT_RULES) {
    lines.push(
      `      - alert: ${rule.name}`,
      `        expr: ${q(rule.expr(t))}`,
      `        for: ${promDuration(rule.forS(t))}`,
      "        labels:",
      `          severity: ${rule.severity}`,
      "        annotations:",
      `          summary: ${q(rule.summary)}`,
    );
  }
  return lines.join("\n") + "\n";
}
