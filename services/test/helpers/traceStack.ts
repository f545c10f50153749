import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createChainClients, type ChainClients } from "../../src/chain/clients.ts";
import { DataAnchorClient } from "../../src/chain/dataAnchor.ts";
import { loadConfig, type Config } from "../../src/config/config.ts";
import { createGraphStore } from "../../src/graph/createGraphStore.ts";
import type { GraphStore } from "../../src/graph/graphStore.ts";
import { createContentStore } from "../../src/storage/createContentStore.ts";
import type { ContentStore } from "../../src/storage/contentStore.ts";
import { AnchorBatcher } from "../../src/trace/anchorBatcher.ts";
import { TraceService } from "../../src/trace/traceService.ts";
import type { Devnet } from "../../src/chain/devnet.ts";

/** Real trace stack on a devnet: embedded Helia + Kùzu in a scratch DATA_DIR, the devnet chain. */
export type TraceStack = {
  config: Config;
  dataDir: string;
  clients: ChainClients;
  graph: GraphStore;
  content: ContentStore;
  anchor: DataAnchorClient;
  batcher: AnchorBatcher;
  trace: TraceService;
  close(): Promise<void>;
};

/** Config for a devnet and a fresh data directory (extra variables override). */
/**
 * With GRAPH_STORE=neo4j (and NEO4J_URI) in the environment, the chain suites run on that Neo4j
 * server instead of an embedded Kùzu; it must be a scratch server: the suites clear it.
 */
function graphOverride(): Record<string, string> {
  const env = loadConfig();
  if (env.GRAPH_STORE !== "neo4j" || !env.NEO4J_URI) return {};
  return {
    GRAPH_STORE: "neo4j",
    NEO4J_URI: env.NEO4J_URI,
    NEO4J_USER: env.NEO4J_USER,
    ...(env.NEO4J_PASSWORD ? { NEO4J_PASSWORD: env.NEO4J_PASSWORD } : {}),
  };
}

/** The web-app domain test sign-ins name (configured, never taken from Host). */
export const TEST_SIWE_DOMAIN = "gridledger.test";

export function devnetConfig(
  devnet: Devnet,
  dataDir: string,
  extra: Record<string, string> = {},
): Config {
  return loadConfig({
    RPC_URL: devnet.rpcUrl,
    DEPLOYMENT_FILE: devnet.deploymentFile,
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ANCHOR_MAX_WAIT_MS: "3600000",
    SIWE_DOMAIN: TEST_SIWE_DOMAIN,
    SIWE_URI: `http://${TEST_SIWE_DOMAIN}`,
    ...graphOverride(),
    ...extra,
  });
}

/** Empties the graph when it is a (scratch) Neo4j server; embedded graphs start empty anyway. */
export async function clearScratchGraph(config: Config): Promise<void> {
  if (config.GRAPH_STORE !== "neo4j") return;
  const graph = await createGraphStore(config);
  await graph.clear();
  await graph.close();
}

export async function openTraceStack(
  devnet: Devnet,
  extra: Record<string, string> = {},
): Promise<TraceStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gl-trace-"));
  const config = devnetConfig(devnet, dataDir, extra);
  const clients = await createChainClients(config);
  const content = await createContentStore(config);
  const graph = await createGraphStore(config);
  if (graph.kind === "neo4j") await graph.clear();
  const anchor = new DataAnchorClient(clients);
  const batcher = new AnchorBatcher({
    graph,
    content,
    chain: anchor,
    policy: { maxBatch: config.ANCHOR_BATCH_MAX, maxWaitMs: config.ANCHOR_MAX_WAIT_MS },
  });
  const trace = new TraceService({ graph, content, chain: anchor, batcher });
  return {
    config,
    dataDir,
    clients,
    graph,
    content,
    anchor,
    batcher,
    trace,
    close: async () => {
      await batcher.stop();
      await graph.close();
      await content.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Overwrites the Helia block file holding exactly `original` with `replacement` (an attacker with
 * disk access), or deletes it when `replacement` is null (a write that never completed).
 */
export async function replaceHeliaBlock(
  dataDir: string,
  original: Uint8Array,
  replacement: Uint8Array | null,
): Promise<number> {
  let replaced = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (Buffer.from(await readFile(full)).equals(Buffer.from(original))) {
        if (replacement === null) await unlink(full);
        else await writeFile(full, replacement);
        replaced += 1;
      }
    }
  };
  await walk(path.join(dataDir, "ipfs", "blocks"));
  return replaced;
}
