import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, parseAbiItem, stringToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createChainClients, type ChainClients } from "../../src/chain/clients.ts";
import { DataAnchorClient } from "../../src/chain/dataAnchor.ts";
import { createGraphStore } from "../../src/graph/createGraphStore.ts";
import type { CypherGraphStore } from "../../src/graph/cypherGraphStore.ts";
import { ChainIndexer, ChainReorgError } from "../../src/indexer/chainIndexer.ts";
import { FileCursor } from "../../src/indexer/cursor.ts";
import { DEVNET_KEYS, devnetRpc, startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { devnetActors } from "../helpers/devnetActors.ts";
import { clearScratchGraph, devnetConfig } from "../helpers/traceStack.ts";

const [OPERATOR, A, B, C] = DEVNET_KEYS;
const addr = (key: Hex) => privateKeyToAccount(key).address.toLowerCase();

describe("chain indexer", () => {
  let devnet: Devnet;
  let dataDir: string;
  let clients: ChainClients;
  let graph: CypherGraphStore;
  let cursor: FileCursor;
  const config = () => devnetConfig(devnet, dataDir);
  const indexer = (confirmations = 0, batchBlocks = 2) =>
    new ChainIndexer({
      clients,
      graph,
      cursor,
      options: { confirmations, batchBlocks, pollMs: 100 },
    });
  const anchorCount = async () =>
    (await graph.query("MATCH (a:Anchor) RETURN count(a) AS n"))[0]?.n;

  beforeAll(async () => {
    devnet = await startDevnet(18530);
    dataDir = mkdtempSync(path.join(tmpdir(), "gl-indexer-"));
    clients = await createChainClients(config());
    await clearScratchGraph(config());
    graph = await createGraphStore(config());
    cursor = new FileCursor(dataDir, 31337);
    const actors = devnetActors(devnet);
    const anchor = new DataAnchorClient(clients);
    // About twenty blocks of history: admissions, a deposit and three anchors.
    await actors.apply(A, 10); // Supplier
    await actors.apply(B, 1); // PV
    await actors.apply(C, 5); // Storage
    await actors.approve(OPERATOR, privateKeyToAccount(A).address, "SUPPLIER_ROLE");
    await actors.approve(OPERATOR, privateKeyToAccount(B).address, "PROSUMER_ROLE");
    await actors.deposit(OPERATOR, B, 5_000_000n);
    for (let i = 1; i <= 3; i++) {
      await anchor.anchorRoot(
        keccak256(stringToHex(`root-${i}`)),
        `bafy-${i}`,
        BigInt(i * 10),
        "test",
      );
    }
  });
  afterAll(async () => {
    await graph?.close();
    await devnet?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops mid-stream, resumes after a restart, and ends with every event exactly once", async () => {
    const head = Number(await clients.publicClient.getBlockNumber());
    const first = indexer();
    const stoppedAt = await first.runOnce(3); // three ranges of two blocks, then "crash"
    expect(stoppedAt).toBeLessThan(head);
    expect((await cursor.load())?.lastBlock).toBe(stoppedAt);

    // Restart: a new graph connection and a new indexer that only knows the cursor file.
    await graph.close();
    graph = await createGraphStore(config());
    const second = indexer();
    expect(await second.runOnce()).toBe(head);

    const logs = await clients.publicClient.getLogs({
      address: clients.deployment.contracts.DataAnchor!.address,
      event: parseAbiItem(
        "event DataAnchored(uint256 indexed anchorId, bytes32 indexed root, address indexed submitter, bytes32 kind, uint64 recordCount, string cid)",
      ),
      fromBlock: 0n,
    });
    expect(logs).toHaveLength(3);
    expect(await anchorCount()).toBe(3);
    for (const log of logs) {
      const node = await graph.getNode({ label: "Anchor", id: String(log.args.anchorId) });
      expect(node?.props?.root).toBe(log.args.root);
      expect(node?.kind).toBe("test");
      expect(node?.cid).toBe(log.args.cid);
    }
    const supplier = await graph.getNode({ label: "Participant", id: addr(A) });
    expect(supplier).toMatchObject({ kind: "supplier", props: { status: "approved" } });
    expect((await graph.getNode({ label: "Participant", id: addr(C) }))?.props?.status).toBe(
      "applied",
    );
    const deposits = await graph.neighbours(
      { label: "Participant", id: addr(B) },
      { direction: "out", edgeTypes: ["PARTY_TO"] },
    );
    expect(deposits.map((d) => d.node.kind)).toEqual(["deposited"]);
  });

  it("re-reading blocks already indexed changes nothing (idempotent upserts)", async () => {
    const before = await graph.countNodes();
    await cursor.save({ chainId: 31337, lastBlock: 0, lastBlockHash: null });
    await indexer(0, 50).runOnce();
    expect(await graph.countNodes()).toEqual(before);
    const deposits = await graph.neighbours(
      { label: "Participant", id: addr(B) },
      { direction: "out", edgeTypes: ["PARTY_TO"] },
    );
    expect(deposits).toHaveLength(1);
  });

  it("waits for the configured confirmations before reading a block", async () => {
    const follower = indexer(3, 100);
    const synced = await follower.runOnce();
    const anchor = new DataAnchorClient(clients);
    const receipt = await anchor.anchorRoot(
      keccak256(stringToHex("late")),
      "bafy-late",
      1n,
      "test",
    );
    expect(await follower.runOnce()).toBeLessThan(Number(receipt.blockNumber));
    expect(await anchorCount()).toBe(3);
    expect(synced).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await devnetRpc(devnet.rpcUrl, "evm_mine");
    expect(await follower.runOnce()).toBe(Number(receipt.blockNumber));
    expect(await anchorCount()).toBe(4);
  });

  it("stops with a clear error when an indexed block is no longer on the chain (deep reorg)", async () => {
    const follower = indexer(0, 100);
    const snapshot = await devnetRpc(devnet.rpcUrl, "evm_snapshot");
    await new DataAnchorClient(clients).anchorRoot(
      keccak256(stringToHex("orphan")),
      "bafy-orphan",
      1n,
      "test",
    );
    const indexedTo = await follower.runOnce();
    expect(await anchorCount()).toBe(5);
    // The block the indexer ended at is replaced by another one at the same height.
    await devnetRpc(devnet.rpcUrl, "evm_revert", [snapshot]);
    await devnetRpc(devnet.rpcUrl, "evm_increaseTime", [7]);
    await devnetRpc(devnet.rpcUrl, "evm_mine");
    const error = await follower.runOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainReorgError);
    expect((error as ChainReorgError).detail.block).toBe(indexedTo);
    expect((error as Error).message).toMatch(/deeper than the configured confirmations/);
    expect(follower.status().reorg?.block).toBe(indexedTo);
    // It stays stopped, and so does a new indexer reading the same cursor after a restart.
    await expect(follower.runOnce()).rejects.toBeInstanceOf(ChainReorgError);
    await expect(indexer(0, 100).runOnce()).rejects.toBeInstanceOf(ChainReorgError);
    expect((await cursor.load())?.lastBlock).toBe(indexedTo);
  });
});
