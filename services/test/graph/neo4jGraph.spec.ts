import { describe, expect, it } from "vitest";
import { GraphStoreError } from "../../src/graph/graphStore.ts";
import { createGraphStore } from "../../src/graph/createGraphStore.ts";
import { Neo4jGraphStore } from "../../src/graph/neo4jGraph.ts";
import { reachableNeo4j, reportSkipped } from "../helpers/externalServers.ts";
import { graphStoreContract } from "./graphStoreContract.ts";
import { repositoryContract } from "./repositoryContract.ts";

const neo4j = await reachableNeo4j();
if (!neo4j)
  reportSkipped("Neo4j graph store suites", "NEO4J_URI", "start one with infra/neo4j.sh start");

describe.skipIf(!neo4j)("Neo4j (NEO4J_URI)", () => {
  graphStoreContract("Neo4j server", () =>
    createGraphStore({
      GRAPH_STORE: "neo4j",
      DATA_DIR: "/unused",
      NEO4J_URI: neo4j!.uri,
      NEO4J_USER: neo4j!.user,
      NEO4J_PASSWORD: neo4j!.password,
    }),
  );

  // Same file as the store contract: both clear the one shared server, so never in parallel.
  repositoryContract("Neo4j server", () => Neo4jGraphStore.connect(neo4j!));

  it("reports Cypher errors as GraphStoreError", async () => {
    const store = await Neo4jGraphStore.connect(neo4j!);
    await expect(store.query("MATCH (n:Batch RETURN n")).rejects.toBeInstanceOf(GraphStoreError);
    await store.close();
  });
});

describe("Neo4jGraphStore without a server", () => {
  it("reports an unreachable server as GraphStoreError", async () => {
    await expect(
      Neo4jGraphStore.connect({ uri: "bolt://127.0.0.1:17999", user: "neo4j", password: "x" }),
    ).rejects.toBeInstanceOf(GraphStoreError);
  });

  it("requires NEO4J_URI when GRAPH_STORE=neo4j", async () => {
    await expect(
      createGraphStore({
        GRAPH_STORE: "neo4j",
        DATA_DIR: "/tmp",
        NEO4J_URI: undefined,
        NEO4J_USER: "neo4j",
        NEO4J_PASSWORD: undefined,
      }),
    ).rejects.toThrow(/NEO4J_URI/);
  });
});
