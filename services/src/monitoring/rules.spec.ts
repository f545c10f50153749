import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.ts";
import { AlertEvaluator } from "./alertEvaluator.ts";
import type { MonitorSample } from "./metrics.ts";
import { ALERT_RULES, alertRulesYaml } from "./rules.ts";

const sample = (
  at: number,
  over: Partial<{ lag: number; mismatches: number; ratio: number }> = {},
): MonitorSample => ({
  at,
  indexer: {
    up: 1,
    head: 100,
    indexedBlock: 100 - (over.lag ?? 0),
    lagBlocks: over.lag ?? 0,
    reorg: 0,
  },
  anchoring: { queued: 0, oldestQueuedAgeS: 0, failing: 0, failuresTotal: 0, lastSuccessS: 0 },
  trust: { mismatchesTotal: over.mismatches ?? 0 },
  tdva: { overdue: 0, budgetLocked: 0, budgetRemaining: 0, minRemainingRatio: over.ratio ?? 1 },
  governance: { byState: {}, waiting: 0 },
});

describe("alert rules and the in-process evaluator", () => {
  const config = loadConfig({});
  const evaluator = (now: number) =>
    new AlertEvaluator({
      rules: ALERT_RULES,
      thresholds: config,
      webhook: {
        url: "http://127.0.0.1:18599/none",
        timeoutMs: 200,
        attempts: 2,
        externalUrl: "x",
      },
      keepResolvedS: 60,
      onWebhookFailure: () => failures++,
      now,
    });
  let failures = 0;

  it("fires IndexerLagging only after the lag held for ALERT_FOR_S, then resolves", async () => {
    const e = evaluator(0);
    expect(await e.evaluate(sample(1_000, { lag: 80 }))).toEqual([]);
    const fired = await e.evaluate(sample(1_000 + config.ALERT_FOR_S * 1000, { lag: 80 }));
    expect(fired).toMatchObject([{ name: "IndexerLagging", status: "firing", value: 80 }]);
    expect(fired[0]!.activeSince).toBe(new Date(1_000).toISOString());
    const resolved = await e.evaluate(sample(500_000));
    expect(resolved).toMatchObject([{ name: "IndexerLagging", status: "resolved" }]);
    // The unreachable webhook was tried twice per change and counted, never thrown.
    await e.drain();
    expect(failures).toBe(2);
  });

  it("counts mismatches within the window and budget below the share left", async () => {
    const e = evaluator(0);
    await e.evaluate(sample(1_000, { mismatches: 0 }));
    const fired = await e.evaluate(sample(2_000, { mismatches: 3, ratio: 0.05 }));
    expect(fired.map((a) => a.name).sort()).toEqual([
      "DispatchBudgetNearExhaustion",
      "TrustedComparisonMismatch",
    ]);
    const later = await e.evaluate(
      sample(2_000 + config.ALERT_TRUST_WINDOW_S * 1000 + 1_000, { mismatches: 3 }),
    );
    expect(later.map((a) => `${a.name}:${a.status}`).sort()).toEqual([
      "DispatchBudgetNearExhaustion:resolved",
      "TrustedComparisonMismatch:resolved",
    ]);
  });

  it("writes every rule into the Prometheus file with its threshold", () => {
    const yaml = alertRulesYaml(config);
    for (const rule of ALERT_RULES) expect(yaml).toContain(`alert: ${rule.name}`);
    expect(yaml).toContain('expr: "gridledger_indexer_lag_blocks > 50"');
  });
});
