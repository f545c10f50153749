import type { Logger } from "pino";
import type { MonitorSample } from "./metrics.ts";
import type { AlertRule, AlertSeverity, AlertThresholds } from "./rules.ts";

/** An alert as GET /v1/alerts lists it. Times are ISO 8601; `endsAt` only once resolved. */
export type AlertView = {
  name: string;
  severity: AlertSeverity;
  summary: string;
  status: "firing" | "resolved";
  /** Since when the condition has held (the `for` wait included). */
  activeSince: string;
  /** When it fired (Alertmanager's `startsAt`). */
  startsAt: string;
  endsAt: string | null;
  /** The expression's value at the latest evaluation while firing. */
  value: number;
  expr: string;
};

/** The webhook's JSON body: Alertmanager's webhook format (version 4), one group per POST. */
export type WebhookPayload = {
  version: "4";
  receiver: "gridledger";
  status: "firing" | "resolved";
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  truncatedAlerts: 0;
  alerts: {
    status: "firing" | "resolved";
    labels: { alertname: string; severity: AlertSeverity; service: "gridledger" };
    annotations: { summary: string; expr: string; value: string };
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
};

export type WebhookOptions = {
  url: string | undefined;
  timeoutMs: number;
  attempts: number;
  /** Base URL for `generatorURL` and `externalURL` (the API's /v1/alerts). */
  externalUrl: string;
};

type State = {
  rule: AlertRule;
  pendingSince: number | undefined;
  firing: AlertView | undefined;
};

const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * Runs the alert rules in-process over the collector's samples: a rule whose condition holds for
 * its `for` fires, and resolves when it stops holding; each change is POSTed to the webhook
 * (bounded attempts with a timeout; failures counted and logged, never thrown). Resolved alerts
 * stay listed for `keepResolvedS`.
 *
 * @example
 *   const evaluator = new AlertEvaluator({ rules: ALERT_RULES, thresholds: config, webhook })
 *   await evaluator.evaluate(sample)  // what /v1/alerts lists: evaluator.list()
 */
export class AlertEvaluator {
  readonly #states: State[];
  readonly #thresholds: AlertThresholds;
  readonly #webhook: WebhookOptions;
  readonly #keepResolvedMs: number;
  readonly #logger: Logger | undefined;
  readonly #onWebhookFailure: () => void;
  readonly #history: MonitorSample[] = [];
  readonly #startedAt: number;
  #resolved: AlertView[] = [];
  #deliveries: Promise<unknown> = Promise.resolve();
  #lastEvaluatedAt: number | undefined;

  constructor(deps: {
    rules: readonly AlertRule[];
    thresholds: AlertThresholds;
    webhook: WebhookOptions;
    keepResolvedS: number;
    logger?: Logger;
    onWebhookFailure?: () => void;
    now?: number;
  }) {
    this.#states = deps.rules.map((rule) => ({ rule, pendingSince: undefined, firing: undefined }));
    this.#thresholds = deps.thresholds;
    this.#webhook = deps.webhook;
    this.#keepResolvedMs = deps.keepResolvedS * 1000;
    this.#logger = deps.logger;
    this.#onWebhookFailure = deps.onWebhookFailure ?? (() => {});
    this.#startedAt = deps.now ?? Date.now();
  }

  /** When the rules were last evaluated (ms), if ever. */
  get lastEvaluatedAt(): number | undefined {
    return this.#lastEvaluatedAt;
  }

  /** Names of the alerts firing now. */
  get firing(): string[] {
    return this.#states.flatMap((s) => (s.firing ? [s.rule.name] : []));
  }

  /** Firing alerts first (most severe first), then the recently resolved ones (newest first). */
  list(now = Date.now()): AlertView[] {
    const rank = { critical: 0, warning: 1, info: 2 };
    const firing = this.#states
      .flatMap((s) => (s.firing ? [s.firing] : []))
      .sort((a, b) => rank[a.severity] - rank[b.severity]);
    this.#resolved = this.#resolved.filter(
      (r) => now - Date.parse(r.endsAt!) <= this.#keepResolvedMs,
    );
    return [...firing, ...this.#resolved];
  }

  /** Evaluates every rule over `sample`; returns the alerts that fired or resolved now. */
  async evaluate(sample: MonitorSample): Promise<AlertView[]> {
    const now = sample.at;
    this.#history.push(sample);
    const horizon = now - this.#thresholds.ALERT_TRUST_WINDOW_S * 1000 - 60_000;
    while (this.#history.length > 1 && this.#history[0]!.at < horizon) this.#history.shift();
    const increase = (pick: (s: MonitorSample) => number, windowS: number): number => {
      const from = now - windowS * 1000;
      // Counters are this process's and start at 0: a window reaching before start-up counts from 0.
      const base =
        from < this.#startedAt ? 0 : pick(this.#history.find((s) => s.at >= from) ?? sample);
      return Math.max(0, pick(sample) - base);
    };
    const changed: AlertView[] = [];
    for (const state of this.#states) {
      const { rule } = state;
      let value: number | undefined;
      try {
        value = rule.evaluate({ now: sample, increase }, this.#thresholds);
      } catch (error) {
        this.#logger?.warn({ err: error, alert: rule.name }, "alert rule failed to evaluate");
        continue;
      }
      if (value !== undefined) {
        state.pendingSince ??= now;
        if (state.firing) state.firing.value = value;
        else if (now - state.pendingSince >= rule.forS(this.#thresholds) * 1000) {
          state.firing = {
            name: rule.name,
            severity: rule.severity,
            summary: rule.summary,
            status: "firing",
            activeSince: new Date(state.pendingSince).toISOString(),
            startsAt: new Date(now).toISOString(),
            endsAt: null,
            value,
            expr: rule.expr(this.#thresholds),
          };
          changed.push({ ...state.firing });
        }
      } else {
        state.pendingSince = undefined;
        if (state.firing) {
          const resolved: AlertView = {
            ...state.firing,
            status: "resolved",
            endsAt: new Date(now).toISOString(),
          };
          state.firing = undefined;
          this.#resolved.unshift(resolved);
          changed.push(resolved);
        }
      }
    }
    this.#lastEvaluatedAt = now;
    if (changed.length > 0) {
      this.#logger?.info(
        { alerts: changed.map((a) => `${a.name}:${a.status}`) },
        "alert state changed",
      );
      const delivery = this.#deliver(changed);
      this.#deliveries = this.#deliveries.then(() => delivery);
    }
    return changed;
  }

  /** Waits for webhook deliveries started so far (tests and shutdown). */
  async drain(): Promise<void> {
    await this.#deliveries;
  }

  /** The Alertmanager-like body for a set of changed alerts. */
  payload(alerts: readonly AlertView[]): WebhookPayload {
    const status = alerts.some((a) => a.status === "firing") ? "firing" : "resolved";
    return {
      version: "4",
      receiver: "gridledger",
      status,
      groupKey: '{}:{service="gridledger"}',
      groupLabels: { service: "gridledger" },
      commonLabels: { service: "gridledger" },
      commonAnnotations: {},
      externalURL: this.#webhook.externalUrl,
      truncatedAlerts: 0,
      alerts: alerts.map((a) => ({
        status: a.status,
        labels: { alertname: a.name, severity: a.severity, service: "gridledger" },
        annotations: { summary: a.summary, expr: a.expr, value: String(a.value) },
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? ZERO_TIME,
        generatorURL: `${this.#webhook.externalUrl}/v1/alerts`,
        fingerprint: a.name,
      })),
    };
  }

  async #deliver(alerts: readonly AlertView[]): Promise<void> {
    const { url, timeoutMs, attempts } = this.#webhook;
    if (!url) return;
    const body = JSON.stringify(this.payload(alerts));
    let lastError = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        lastError = `HTTP ${res.status}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, 250 * attempt));
    }
    this.#onWebhookFailure();
    this.#logger?.warn(
      { attempts, error: lastError, alerts: alerts.map((a) => a.name) },
      "alert webhook delivery failed",
    );
  }
}
