import { readOutageFile } from "../evidence/history.ts";
import { OfferRelay } from "../dispatch/offerRelay.ts";
import { TdvaDocuments } from "../tdva/documents.ts";
import type { Logger } from "pino";
import type { Address } from "viem";
import { createChainClients, type ChainClients } from "../chain/clients.ts";
import { DataAnchorClient } from "../chain/dataAnchor.ts";
import { OnChainRoles } from "../chain/roles.ts";
import type { Config } from "../config/config.ts";
import { createGraphStore } from "../graph/createGraphStore.ts";
import { GraphNodeNotFoundError, type GraphStore } from "../graph/graphStore.ts";
import { ChainIndexer } from "../indexer/chainIndexer.ts";
import { FileCursor } from "../indexer/cursor.ts";
import { createContentStore } from "../storage/createContentStore.ts";
import type { ContentStore } from "../storage/contentStore.ts";
import { createMonitor, type Monitor } from "../monitoring/monitor.ts";
import { AnchorBatcher } from "../trace/anchorBatcher.ts";
import { TraceService } from "../trace/traceService.ts";
import type { ApiContext, ApiRole, Check } from "./context.ts";
import { SiweSessions } from "./session.ts";

/** A running service: the API context plus what must be closed. */
export type Services = {
  context: ApiContext;
  clients: ChainClients;
  graph: GraphStore;
  content: ContentStore;
  close(): Promise<void>;
};

const PING_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"; // empty raw block

/**
 * Builds the services from configuration: chain clients (RPC_URL, DEPLOYMENT_FILE), the content
 * and graph stores (embedded Helia + Kùzu unless configured otherwise), the anchoring batcher
 * (queue reloaded from the graph), the trace service, SIWE sessions, on-chain roles and, unless
 * `indexer: false`, the chain indexer (started), and the monitor (metrics and in-process alerts,
 * evaluated every ALERT_EVAL_INTERVAL_MS unless `alertTimer: false`).
 *
 * @example const services = await createServices(loadConfig(), logger); ...; await services.close()
 */
export async function createServices(
  config: Config,
  logger?: Logger,
  options: { indexer?: boolean; anchorTimer?: boolean; alertTimer?: boolean } = {},
): Promise<Services> {
  const clients = await createChainClients(config);
  const content = await createContentStore(config);
  let graph: GraphStore;
  try {
    graph = await createGraphStore(config);
  } catch (error) {
    await content.close();
    throw error;
  }
  const anchorClient = new DataAnchorClient(clients);
  const batcher = new AnchorBatcher({
    graph,
    content,
    chain: anchorClient,
    policy: { maxBatch: config.ANCHOR_BATCH_MAX, maxWaitMs: config.ANCHOR_MAX_WAIT_MS },
    ...(logger ? { logger } : {}),
  });
  await batcher.loadPending();
  if (options.anchorTimer !== false) batcher.start();
  const trace = new TraceService({ graph, content, chain: anchorClient, batcher });
  const roles = new OnChainRoles(clients);
  const sessions = new SiweSessions({
    secret: config.SESSION_SECRET,
    ttlS: config.SESSION_TTL_S,
    chainId: clients.deployment.chainId,
    client: clients.publicClient,
    domain: config.SIWE_DOMAIN,
    uri: config.SIWE_URI,
  });
  let indexer: ChainIndexer | undefined;
  if (options.indexer !== false) {
    indexer = new ChainIndexer({
      clients,
      graph,
      cursor: new FileCursor(config.DATA_DIR, clients.deployment.chainId),
      options: {
        confirmations: config.CONFIRMATIONS,
        batchBlocks: config.INDEXER_BATCH_BLOCKS,
        pollMs: config.INDEXER_POLL_MS,
      },
      ...(logger ? { logger } : {}),
    });
    indexer.start();
  }

  const monitor: Monitor = createMonitor(config, { clients, indexer, batcher }, logger);
  if (options.alertTimer !== false) monitor.start();

  const rolesOf = async (address: Address): Promise<ApiRole[]> => {
    const onChain: ApiRole[] = await roles.rolesOf(address);
    const delegators = await graph
      .neighbours(
        { label: "Participant", id: address.toLowerCase() },
        { direction: "in", edgeTypes: ["DELEGATES"] },
      )
      .catch((error: unknown) => {
        if (error instanceof GraphNodeNotFoundError) return [];
        throw error;
      });
    return delegators.length > 0 ? [...onChain, "data-creator"] : onChain;
  };
  const checks = async (): Promise<Record<string, Check>> => {
    const probe = async (fn: () => Promise<unknown>): Promise<Check> => {
      try {
        return { ok: true, detail: await fn() };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    };
    const [chain, graphCheck, contentCheck] = await Promise.all([
      probe(async () => ({ block: Number(await clients.publicClient.getBlockNumber()) })),
      probe(async () => {
        await graph.getNode({ label: "Anchor", id: "0" });
        return { kind: graph.kind };
      }),
      probe(async () => {
        await content.has(PING_CID);
        return { kind: content.kind };
      }),
    ]);
    // Anchoring and the indexer are parts every deployment needs: without them the API would
    // accept records it can never anchor, or serve history that stopped growing.
    const anchoring = await probe(() => anchorClient.anchoringStatus());
    const indexerStatus = indexer?.status();
    const indexerCheck: Check =
      options.indexer === false
        ? { ok: true, detail: "not run by this process (--no-indexer)" }
        : indexerStatus?.running && !indexerStatus.reorg
          ? { ok: true, detail: { lastBlock: indexerStatus.lastBlock } }
          : { ok: false, detail: indexerStatus?.reorg ?? "stopped" };
    return {
      chain,
      graph: graphCheck,
      content: contentCheck,
      anchoring,
      indexer: indexerCheck,
    };
  };

  const context: ApiContext = {
    reads: config.READS,
    bodyLimit: config.API_BODY_LIMIT,
    limits: {
      noncePerMin: config.AUTH_NONCE_PER_MIN,
      signInPerMin: config.AUTH_SIGNIN_PER_MIN,
      offersPerMin: config.OFFERS_PER_MIN,
      jsonDepth: config.API_JSON_DEPTH,
      trustProxy: config.TRUST_PROXY,
    },
    chainId: clients.deployment.chainId,
    trace,
    batcher,
    graph,
    anchors: anchorClient,
    sessions,
    offers: new OfferRelay(clients, graph),
    tdvaDocuments: new TdvaDocuments(content, rolesOf),
    rolesOf,
    indexer,
    checks,
    monitor,
    logger,
    // Read once at start: a bad file stops the API with the file's name and the bad field.
    outages: config.OUTAGES_FILE ? await readOutageFile(config.OUTAGES_FILE) : undefined,
  };
  return {
    context,
    clients,
    graph,
    content,
    close: async () => {
      await monitor.stop();
      await indexer?.stop();
      await batcher.stop();
      await graph.close();
      await content.close();
    },
  };
}
