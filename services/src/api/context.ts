import type { OutageFile } from "../evidence/history.ts";
import type { Logger } from "pino";
import type { Address } from "viem";
import type { Role } from "../chain/roles.ts";
import type { GraphStore } from "../graph/graphStore.ts";
import type { ChainIndexer } from "../indexer/chainIndexer.ts";
import type { AnchorBatcher } from "../trace/anchorBatcher.ts";
import type { TraceService } from "../trace/traceService.ts";
import type { DataAnchorClient } from "../chain/dataAnchor.ts";
import type { OfferRelay } from "../dispatch/offerRelay.ts";
import type { TdvaDocuments } from "../tdva/documents.ts";
import type { Monitor } from "../monitoring/monitor.ts";
import type { SiweSessions } from "./session.ts";

/** Roles an API caller can hold: the on-chain ones plus `data-creator` (a delegate, from the graph). */
export type ApiRole = Role | "data-creator";

/** A component's health as /v1/health reports it. */
export type Check = { ok: boolean; detail?: unknown };

/** Per-client rate limits (requests per minute), the JSON depth cap and whom to trust for the client. */
export type ApiLimits = {
  noncePerMin: number;
  signInPerMin: number;
  offersPerMin: number;
  jsonDepth: number;
  trustProxy: "false" | "loopback" | "uniquelocal";
};

/** Everything the routes need; built by `createApiContext` (or by tests from real parts). */
export type ApiContext = {
  reads: "open" | "authenticated";
  bodyLimit: number;
  /** Per-client rate limits and request-shape limits (see Config). */
  limits: ApiLimits;
  chainId: number;
  trace: TraceService;
  batcher: AnchorBatcher;
  graph: GraphStore;
  anchors: Pick<DataAnchorClient, "getAnchor" | "address">;
  sessions: SiweSessions;
  offers: OfferRelay;
  /** Alarm, safety report and meter data documents behind the TDVA records' CIDs. */
  tdvaDocuments: TdvaDocuments;
  rolesOf(address: Address): Promise<ApiRole[]>;
  indexer: ChainIndexer | undefined;
  checks(): Promise<Record<string, Check>>;
  /** Outage records for the line-fault evidence source (OUTAGES_FILE), if configured. */
  outages?: OutageFile | undefined;
  /** Metrics and in-process alerts (GET /metrics, GET /v1/alerts); absent: those answer 503. */
  monitor?: Monitor | undefined;
  logger: Logger | undefined;
};
