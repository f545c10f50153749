import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeEventTopics,
  numberToHex,
  pad,
  parseAbiParameters,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";
import { abis } from "@gridledger/protocol";
import type { GraphEdge, GraphNode } from "../graph/graphStore.ts";
import { ChainIndexer, type IndexerGraph } from "./chainIndexer.ts";
import { FileCursor } from "./cursor.ts";
import { decodeContractLog, type RawLog } from "./handlers.ts";

const ANCHOR: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MARKET: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const STRANGER: Address = "0x000000000000000000000000000000000000dEaD";
const ALICE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const HASH = (byte: string) => `0x${byte.repeat(32)}` as const;

/** Topics of a log (every indexed argument given, so no filter wildcards). */
function logTopics([signature, ...args]: ReturnType<typeof encodeEventTopics>): RawLog["topics"] {
  return [signature, ...args.filter((topic) => typeof topic === "string")];
}

/** A DataAnchored log as the chain encodes it (indexed fields in topics, the rest in data). */
function anchored(anchorId: bigint, cid: string): RawLog {
  return {
    topics: logTopics(
      encodeEventTopics({
        abi: abis.DataAnchor,
        eventName: "DataAnchored",
        args: { anchorId, root: HASH("22"), submitter: ALICE },
      }),
    ),
    data: encodeAbiParameters(parseAbiParameters("bytes32, uint64, string"), [
      stringToHex("test", { size: 32 }),
      3n,
      cid,
    ]),
  };
}

const deposited: RawLog = {
  topics: logTopics(
    encodeEventTopics({ abi: abis.EnergyMarket, eventName: "Deposited", args: { account: ALICE } }),
  ),
  data: encodeAbiParameters(parseAbiParameters("uint256"), [5_000_000n]),
};
const roleGranted: RawLog = {
  topics: logTopics(
    encodeEventTopics({
      abi: abis.EnergyMarket,
      eventName: "RoleGranted",
      args: { role: HASH("00"), account: ALICE, sender: ALICE },
    }),
  ),
  data: "0x",
};

describe("decodeContractLog", () => {
  it("decodes a log with its contract's ABI into typed, named arguments", () => {
    const event = decodeContractLog("DataAnchor", anchored(7n, "bafy"));
    expect(event).toEqual({
      contract: "DataAnchor",
      eventName: "DataAnchored",
      args: {
        anchorId: 7n,
        root: HASH("22"),
        submitter: ALICE,
        kind: stringToHex("test", { size: 32 }),
        recordCount: 3n,
        cid: "bafy",
      },
    });
  });

  it("gives undefined for an unknown signature, another contract's event, bad data or no topics", () => {
    const log = anchored(7n, "bafy");
    expect(decodeContractLog("DataAnchor", { ...log, topics: [HASH("99")] })).toBeUndefined();
    expect(decodeContractLog("EnergyMarket", log)).toBeUndefined();
    expect(decodeContractLog("DataAnchor", { ...log, data: "0x1234" })).toBeUndefined();
    expect(decodeContractLog("DataAnchor", { ...log, topics: [] })).toBeUndefined();
  });
});

type RpcLog = RawLog & { address: Address; blockNumber: number };

/** A JSON-RPC node serving `logs` (unfiltered, as a careless node might) up to `head`. */
function fakeNode(logs: RpcLog[]) {
  const node = { head: 0 };
  const blockHash = (n: number) => pad(numberToHex(n + 1), { size: 32 });
  const request = async ({ method, params }: { method: string; params?: unknown }) => {
    const [arg] = Array.isArray(params) ? params : [];
    switch (method) {
      case "eth_blockNumber":
        return numberToHex(node.head);
      case "eth_getBlockByNumber": {
        const n = Number(arg);
        return { number: numberToHex(n), hash: blockHash(n), timestamp: numberToHex(1000 + n) };
      }
      case "eth_getLogs": {
        const { fromBlock, toBlock } = arg as { fromBlock: Hex; toBlock: Hex };
        return logs
          .map((log, i) => ({ ...log, logIndex: i }))
          .filter((l) => l.blockNumber >= Number(fromBlock) && l.blockNumber <= Number(toBlock))
          .map((l) => ({
            ...l,
            blockNumber: numberToHex(l.blockNumber),
            blockHash: blockHash(l.blockNumber),
            logIndex: numberToHex(l.logIndex),
            transactionHash: HASH(String(l.logIndex % 10)),
            transactionIndex: "0x0",
            removed: false,
          }));
      }
      default:
        throw new Error(`fake node: ${method} not served`);
    }
  };
  const publicClient = createPublicClient({ chain: hardhat, transport: custom({ request }) });
  return { node, publicClient };
}

/** The graph as the indexer's upserts leave it (merged by label and id). */
function memoryGraph() {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const graph: IndexerGraph = {
    upsertNodes: async (batch) => {
      for (const n of batch) {
        const key = `${n.label}:${n.id}`;
        const prev = nodes.get(key);
        nodes.set(key, prev ? { ...prev, ...n, props: { ...prev.props, ...n.props } } : n);
      }
    },
    addEdges: async (batch) => {
      edges.push(...batch);
    },
  };
  return { graph, nodes, edges };
}

describe("ChainIndexer", () => {
  let dataDir: string | undefined;
  afterEach(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("skips logs it cannot attribute or decode, keeps what it stored and moves on", async () => {
    const logs: RpcLog[] = [
      { address: ANCHOR, ...anchored(1n, "bafy-1"), blockNumber: 1 },
      // block 2: one good log among logs the indexer must skip
      { address: STRANGER, ...anchored(2n, "bafy-stranger"), blockNumber: 2 },
      { address: ANCHOR, topics: [HASH("99")], data: "0x", blockNumber: 2 },
      { address: ANCHOR, topics: anchored(3n, "x").topics, data: "0x1234", blockNumber: 2 },
      { address: MARKET, ...anchored(4n, "bafy-market"), blockNumber: 2 },
      { address: MARKET, ...roleGranted, blockNumber: 2 },
      { address: MARKET, ...deposited, blockNumber: 2 },
    ];
    const { node, publicClient } = fakeNode(logs);
    const { graph, nodes } = memoryGraph();
    dataDir = mkdtempSync(path.join(tmpdir(), "gl-indexer-unit-"));
    const cursor = new FileCursor(dataDir, hardhat.id);
    const indexer = new ChainIndexer({
      clients: {
        chain: hardhat,
        publicClient,
        walletClient: undefined,
        deployment: {
          chainId: hardhat.id,
          contracts: {
            DataAnchor: { address: ANCHOR, deployedOnBlock: 1 },
            EnergyMarket: { address: MARKET, deployedOnBlock: 1 },
          },
        },
      },
      graph,
      cursor,
      options: { confirmations: 0, batchBlocks: 10, pollMs: 100 },
    });

    node.head = 1;
    expect(await indexer.runOnce()).toBe(1);
    expect([...nodes.keys()]).toEqual(["Anchor:1"]);

    node.head = 2;
    expect(await indexer.runOnce()).toBe(2);
    expect(indexer.status()).toMatchObject({ lastBlock: 2, logsApplied: 2, lastError: undefined });
    expect((await cursor.load())?.lastBlock).toBe(2);
    expect(nodes.get("Anchor:1")).toMatchObject({ cid: "bafy-1", kind: "test", at: 1_001_000 });
    const deposit = [...nodes.values()].find((n) => n.kind === "deposited");
    expect(deposit?.props).toMatchObject({ account: ALICE, amount: "5000000" });
    expect([...nodes.keys()].filter((k) => k.startsWith("Anchor:"))).toEqual(["Anchor:1"]);
  });
});
