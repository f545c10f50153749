import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ProposalStateName } from "@gridledger/protocol";

/** Governance states in which a proposal waits for someone: votes, queueing or execution. */
export const WAITING_PROPOSAL_STATES = ["Pending", "Active", "Succeeded", "Queued"] as const;

/**
 * One reading of everything the alert rules look at, taken by the collector (`collector.ts`) and
 * written into the gauges; the in-process rules (`rules.ts`) evaluate the same numbers Prometheus
 * would scrape.
 */
export type MonitorSample = {
  /** When it was taken (ms since the epoch). */
  at: number;
  indexer: {
    /** 1 while the indexer runs, 0 when it stopped (or is not run by this process: -1). */
    up: number;
    head: number;
    indexedBlock: number;
    lagBlocks: number;
    /** 1 once the indexer saw a reorganisation deeper than its confirmations (it stops). */
    reorg: number;
  };
  anchoring: {
    queued: number;
    oldestQueuedAgeS: number;
    /** 1 while the latest anchoring attempt failed. */
    failing: number;
    failuresTotal: number;
    /** Unix seconds of the last successful attempt (0: none yet). */
    lastSuccessS: number;
  };
  trust: { mismatchesTotal: number };
  tdva: {
    /** Events whose window ended more than the grace ago and that are still not verified. */
    overdue: number;
    /** Σ budget of events not yet settled or cancelled (token base units). */
    budgetLocked: number;
    /** Σ (budget − dispatched cost) of those events. */
    budgetRemaining: number;
    /** Least (budget − cost) / budget over events dispatched and not yet verified (1: none). */
    minRemainingRatio: number;
  };
  governance: { byState: Partial<Record<ProposalStateName, number>>; waiting: number };
};

/**
 * Counters a metering gateway in this process reports its trusted comparisons to. The gateway
 * (services/src/metering/gateway.ts) takes it as its optional `metrics` option; the API process
 * does not run a gateway today, so the counter stays 0 there.
 */
export type MeteringGatewayMetrics = {
  /** One sealed batch: how many readings were compared with aggregator figures, how many failed. */
  comparisonsSealed(compared: number, mismatches: number): void;
};

/**
 * The Prometheus registry of one process (prom-client): API requests by route template and
 * status, and the gauges and counters behind the alert rules. `GET /metrics` serves it.
 *
 * @example const metrics = createMetrics(); metrics.record(sample); await metrics.registry.metrics()
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: "gridledger_process_" });
  }
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });

  const httpRequests = counter(
    "gridledger_api_requests_total",
    "API requests by method, route template and status",
    ["method", "route", "status"],
  );
  const httpDuration = new Histogram({
    name: "gridledger_api_request_duration_seconds",
    help: "API request duration by method, route template and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const g = {
    indexerUp: gauge("gridledger_indexer_up", "1 while the chain indexer runs, 0 when stopped"),
    indexerHead: gauge("gridledger_indexer_head_block", "chain head block"),
    indexerBlock: gauge("gridledger_indexer_indexed_block", "last block in the graph"),
    indexerLag: gauge("gridledger_indexer_lag_blocks", "chain head minus the last indexed block"),
    indexerReorg: gauge(
      "gridledger_indexer_reorg",
      "1 once a reorganisation deeper than the confirmations stopped the indexer",
    ),
    anchorQueue: gauge("gridledger_anchoring_queue_length", "records waiting for their batch"),
    anchorAge: gauge(
      "gridledger_anchoring_oldest_queued_age_seconds",
      "age of the oldest record waiting for its batch (0 when none waits)",
    ),
    anchorFailing: gauge(
      "gridledger_anchoring_failing",
      "1 while the latest anchoring attempt failed",
    ),
    anchorLastSuccess: gauge(
      "gridledger_anchoring_last_success_timestamp_seconds",
      "Unix time of the last successful anchoring attempt (0: none yet)",
    ),
    tdvaOverdue: gauge(
      "gridledger_tdva_verification_overdue_events",
      "TDVA events whose window ended more than the grace ago without verification",
    ),
    budgetLocked: gauge(
      "gridledger_tdva_budget_locked_tokens",
      "budget locked by TDVA events not yet settled or cancelled (token base units)",
    ),
    budgetRemaining: gauge(
      "gridledger_tdva_budget_remaining_tokens",
      "locked budget minus dispatched cost of those events (token base units)",
    ),
    budgetMinRatio: gauge(
      "gridledger_tdva_budget_min_remaining_ratio",
      "least share of its budget a dispatched, unverified TDVA event has left (1: none open)",
    ),
    proposals: gauge("gridledger_governance_proposals", "alliance proposals by state", ["state"]),
  };
  const anchorFailures = counter(
    "gridledger_anchoring_failures_total",
    "anchoring attempts that failed",
  );
  const trustMismatches = counter(
    "gridledger_trusted_comparison_mismatches_total",
    "readings whose aggregator figure deviated beyond the tolerance (cross-source comparison)",
  );
  const trustCompared = counter(
    "gridledger_trusted_comparisons_total",
    "readings compared with aggregator figures",
  );
  const webhookFailures = counter(
    "gridledger_alert_webhook_failures_total",
    "alert webhook deliveries that failed after all attempts",
  );
  const alertsFiring = gauge("gridledger_alerts_firing", "in-process alerts firing", ["alertname"]);

  let failuresSeen = 0;
  return {
    registry,
    /** Counts one finished API request (route: the express route template, or "unmatched"). */
    observeRequest(method: string, route: string, status: number, seconds: number): void {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    /** The hook a metering gateway in this process reports its comparisons to. */
    meteringGateway: {
      comparisonsSealed(compared: number, mismatches: number): void {
        trustCompared.inc(compared);
        trustMismatches.inc(mismatches);
      },
    } satisfies MeteringGatewayMetrics,
    /** Total trusted comparison mismatches counted so far. */
    async trustMismatchesTotal(): Promise<number> {
      return (await trustMismatches.get()).values[0]?.value ?? 0;
    },
    webhookFailed(): void {
      webhookFailures.inc();
    },
    alertsFiring(names: readonly string[], all: readonly string[]): void {
      for (const name of all) alertsFiring.set({ alertname: name }, names.includes(name) ? 1 : 0);
    },
    /** Writes a sample into the gauges (and the anchoring failures counter's growth). */
    record(s: MonitorSample): void {
      g.indexerUp.set(s.indexer.up);
      g.indexerHead.set(s.indexer.head);
      g.indexerBlock.set(s.indexer.indexedBlock);
      g.indexerLag.set(s.indexer.lagBlocks);
      g.indexerReorg.set(s.indexer.reorg);
      g.anchorQueue.set(s.anchoring.queued);
      g.anchorAge.set(s.anchoring.oldestQueuedAgeS);
      g.anchorFailing.set(s.anchoring.failing);
      g.anchorLastSuccess.set(s.anchoring.lastSuccessS);
      if (s.anchoring.failuresTotal > failuresSeen) {
        anchorFailures.inc(s.anchoring.failuresTotal - failuresSeen);
        failuresSeen = s.anchoring.failuresTotal;
      }
      g.tdvaOverdue.set(s.tdva.overdue);
      g.budgetLocked.set(s.tdva.budgetLocked);
      g.budgetRemaining.set(s.tdva.budgetRemaining);
      g.budgetMinRatio.set(s.tdva.minRemainingRatio);
      for (const [state, n] of Object.entries(s.governance.byState)) {
        g.proposals.set({ state }, n);
      }
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
