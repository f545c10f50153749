import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
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
import type { Devnet } from "./devnet.ts";

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
    ...extra,
  });
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

/** Overwrites the Helia block file holding exactly `original` with `replacement` (an attacker with disk access). */
export async function replaceHeliaBlock(
  dataDir: string,
  original: Uint8Array,
  replacement: Uint8Array,
): Promise<number> {
  let replaced = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (Buffer.from(await readFile(full)).equals(Buffer.from(original))) {
        await writeFile(full, replacement);
        replaced += 1;
      }
    }
  };
  await walk(path.join(dataDir, "ipfs", "blocks"));
  return replaced;
}
