import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";

/**
 * The services' configuration, read from the environment once and validated. This is the only
 * module that reads process.env; every variable is listed in .env.example at the repository root.
 */
const ConfigSchema = z.object({
  /** JSON-RPC endpoint of the EVM chain (the local Hardhat node by default). */
  RPC_URL: z.url().default("http://127.0.0.1:8545"),
  /** Deployment record written by the deploy script ({chainId, contracts: {Name: {address}}}). */
  DEPLOYMENT_FILE: z.string().min(1).default("deployments/31337.json"),
  /** Where embedded stores (IPFS blockstore, graph database, indexer cursor) keep their files. */
  DATA_DIR: z.string().min(1).default(".gridledger/data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Private key (0x + 64 hex) of the account that anchors Merkle roots (needs ANCHORER_ROLE).
   * Only on the local devnet (chain 31337) does it default to Hardhat's well-known account #0.
   */
  ANCHOR_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x followed by 64 hex digits")
    .optional(),
  /** Anchor as soon as this many records are queued (one Merkle root per batch). */
  ANCHOR_BATCH_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Anchor whatever is queued once the oldest queued record has waited this long (ms). */
  ANCHOR_MAX_WAIT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Blocks that must be mined on top of a block before the indexer reads its events. */
  CONFIRMATIONS: z.coerce.number().int().min(0).max(1_000).default(0),
  /** Largest block range the indexer asks for in one eth_getLogs call. */
  INDEXER_BATCH_BLOCKS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** How often the indexer polls for new blocks (ms). */
  INDEXER_POLL_MS: z.coerce.number().int().min(50).default(1_000),
  /** REST API listen address; loopback unless deliberately exposed. */
  API_HOST: z.string().min(1).default("127.0.0.1"),
  /** REST API port. */
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  /** Largest accepted JSON request body, in bytes (larger bodies get 413). */
  API_BODY_LIMIT: z.coerce.number().int().min(1_024).default(1_048_576),
  /** `open`: anyone may read; `authenticated`: reads need a SIWE session too. */
  READS: z.enum(["open", "authenticated"]).default("open"),
  /**
   * HMAC key (at least 32 characters) that signs session tokens. When unset, a random key is
   * drawn at start-up, so sessions end when the server restarts.
   */
  SESSION_SECRET: z.string().min(32).optional(),
  /** Lifetime of a session token in seconds. */
  SESSION_TTL_S: z.coerce.number().int().min(60).default(3_600),
  /**
   * The SIWE domain (host[:port]) of the web app users sign in from. Every sign-in message must
   * name exactly this domain; the request's Host header is never trusted for it.
   */
  SIWE_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, "expected host or host:port")
    .default("127.0.0.1:5173"),
  /** The web app's URI: a sign-in message's `uri` must have this origin. */
  SIWE_URI: z.url().default("http://127.0.0.1:5173"),
  /**
   * Express's `trust proxy` setting: which proxies' X-Forwarded-For names the client for the rate
   * limits. `false` (default): the socket's address; `loopback`: behind a proxy on this machine.
   */
  TRUST_PROXY: z.enum(["false", "loopback", "uniquelocal"]).default("false"),
  /** Nonces one client may ask for per minute (GET /v1/auth/nonce). */
  AUTH_NONCE_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Sign-in attempts one client may make per minute (POST /v1/auth/verify). */
  AUTH_SIGNIN_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Offers one client may relay per minute (POST /v1/dispatch/events/{id}/offers). */
  OFFERS_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(120),
  /** Deepest nesting of objects and arrays a JSON request body may have (deeper: 400). */
  API_JSON_DEPTH: z.coerce.number().int().min(2).max(1_000).default(32),
  /** Content store: `helia` (embedded IPFS under DATA_DIR, the default) or `kubo` (IPFS_API). */
  CONTENT_STORE: z.enum(["helia", "kubo"]).default("helia"),
  /** Kubo RPC API, used when CONTENT_STORE=kubo (infra/kubo.sh starts one on 127.0.0.1:15001). */
  IPFS_API: z.url().optional(),
  /** Graph store: `kuzu` (embedded Kùzu under DATA_DIR, the default) or `neo4j` (NEO4J_URI). */
  GRAPH_STORE: z.enum(["kuzu", "neo4j"]).default("kuzu"),
  /** Bolt URI of a Neo4j server, used when GRAPH_STORE=neo4j (infra/neo4j.sh: bolt://127.0.0.1:17687). */
  NEO4J_URI: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/\S+$/, "expected bolt:// or neo4j:// URI")
    .optional(),
  /** Neo4j user; with NEO4J_PASSWORD unset the driver connects without authentication. */
  NEO4J_USER: z.string().min(1).default("neo4j"),
  /** Neo4j password (never defaulted). */
  NEO4J_PASSWORD: z.string().min(1).optional(),
  /**
   * Outage records per feeder/bus for the line-fault evidence source (docs/decisions/0306; the
   * chain has no outage data): a JSON file as examples/outages.json. Unset: that source is vacuous.
   */
  OUTAGES_FILE: z.string().min(1).optional(),
  // Monitoring and alerts (docs/decisions/0460-monitoring-alerts.md). The thresholds feed both
  // the in-process evaluator and monitoring/alerts.rules.yml (generated with the defaults).
  /** How often the in-process evaluator refreshes the metrics and evaluates the alert rules (ms). */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(15_000),
  /** How long a rule's condition must hold before its alert fires (s; Prometheus `for`). */
  ALERT_FOR_S: z.coerce.number().int().min(0).max(86_400).default(120),
  /** Where alert state changes are POSTed (Alertmanager-like JSON); unset: no webhook. */
  ALERT_WEBHOOK_URL: z.url().optional(),
  /** Timeout of one webhook POST (ms). */
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Attempts per webhook delivery before it is counted as failed. */
  ALERT_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** How long resolved alerts stay listed by GET /v1/alerts (s). */
  ALERT_RESOLVED_KEEP_S: z.coerce.number().int().min(0).max(604_800).default(86_400),
  /** IndexerLagging: blocks the indexer may trail the chain head by. */
  ALERT_INDEXER_LAG_BLOCKS: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** AnchoringQueueTooOld: age (s) the oldest record waiting for its batch may reach. */
  ALERT_ANCHOR_QUEUE_AGE_S: z.coerce.number().int().min(1).max(604_800).default(300),
  /** TrustedComparisonMismatch: window (s) in which any mismatch raises the alert. */
  ALERT_TRUST_WINDOW_S: z.coerce.number().int().min(60).max(604_800).default(900),
  /** TdvaVerificationOverdue: grace (s) after an event's window ends before missing verification alerts. */
  ALERT_TDVA_VERIFY_GRACE_S: z.coerce.number().int().min(0).max(604_800).default(3_600),
  /** DispatchBudgetNearExhaustion: lowest share (0-1) of an open event's budget left after its dispatch. */
  ALERT_BUDGET_MIN_REMAINING: z.coerce.number().min(0).max(1).default(0.1),
  /** How many of the latest TDVA events and governance proposals the metrics read per refresh. */
  MONITOR_SCAN_LIMIT: z.coerce.number().int().min(1).max(10_000).default(200),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Validates `env` (process.env by default) and returns the typed configuration. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseWith(ConfigSchema, env, "configuration");
}
