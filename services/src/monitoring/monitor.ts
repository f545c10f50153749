import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import { AlertEvaluator, type AlertView } from "./alertEvaluator.ts";
import { collectSample, type CollectorSources } from "./collector.ts";
import { createMetrics, type Metrics, type MonitorSample } from "./metrics.ts";
import { ALERT_RULES } from "./rules.ts";

/** The monitoring of one process: metrics registry, collector, in-process alert evaluator. */
export type Monitor = {
  metrics: Metrics;
  evaluator: AlertEvaluator;
  /** Takes a sample, writes the gauges and evaluates the rules (concurrent calls share one run). */
  refresh(): Promise<MonitorSample>;
  /** Alerts for GET /v1/alerts. */
  alerts(): { evaluatedAt: string | null; firing: number; alerts: AlertView[] };
  /** Refreshes every ALERT_EVAL_INTERVAL_MS until stop(). Failures are logged, never thrown. */
  start(): void;
  stop(): Promise<void>;
};

/**
 * Builds the monitor from configuration (thresholds, webhook, interval) and the parts it reads.
 *
 * @example const monitor = createMonitor(config, { clients, indexer, batcher }, logger); monitor.start()
 */
export function createMonitor(
  config: Config,
  sources: Omit<CollectorSources, "trustMismatchesTotal" | "tdvaVerifyGraceS" | "scanLimit">,
  logger?: Logger,
): Monitor {
  const metrics = createMetrics();
  const evaluator = new AlertEvaluator({
    rules: ALERT_RULES,
    thresholds: config,
    webhook: {
      url: config.ALERT_WEBHOOK_URL,
      timeoutMs: config.ALERT_WEBHOOK_TIMEOUT_MS,
      attempts: config.ALERT_WEBHOOK_ATTEMPTS,
      externalUrl: `http://${config.API_HOST}:${config.API_PORT}`,
    },
    keepResolvedS: config.ALERT_RESOLVED_KEEP_S,
    onWebhookFailure: () => metrics.webhookFailed(),
    ...(logger ? { logger } : {}),
  });
  const names = ALERT_RULES.map((r) => r.name);
  let running: Promise<MonitorSample> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  const refresh = (): Promise<MonitorSample> => {
    running ??= (async () => {
      try {
        const sample = await collectSample({
          ...sources,
          trustMismatchesTotal: () => metrics.trustMismatchesTotal(),
          tdvaVerifyGraceS: config.ALERT_TDVA_VERIFY_GRACE_S,
          scanLimit: config.MONITOR_SCAN_LIMIT,
        });
        metrics.record(sample);
        await evaluator.evaluate(sample);
        metrics.alertsFiring(evaluator.firing, names);
        return sample;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return {
    metrics,
    evaluator,
    refresh,
    alerts: () => {
      const alerts = evaluator.list();
      const at = evaluator.lastEvaluatedAt;
      return {
        evaluatedAt: at === undefined ? null : new Date(at).toISOString(),
        firing: alerts.filter((a) => a.status === "firing").length,
        alerts,
      };
    },
    start: () => {
      if (!stopped) return;
      stopped = false;
      const tick = async (): Promise<void> => {
        try {
          await refresh();
        } catch (error) {
          logger?.warn({ err: error }, "monitoring refresh failed; retrying");
        }
        if (!stopped) {
          timer = setTimeout(() => void tick(), config.ALERT_EVAL_INTERVAL_MS);
          timer.unref();
        }
      };
      void tick();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      await evaluator.drain();
    },
  };
}
