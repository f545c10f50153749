import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createGraphStore } from "../../src/graph/createGraphStore.ts";
import { KuzuGraphStore } from "../../src/graph/kuzuGraph.ts";
import { graphStoreContract } from "./graphStoreContract.ts";
import { repositoryContract } from "./repositoryContract.ts";

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "gl-kuzu-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

graphStoreContract("Kùzu (embedded)", async () =>
  KuzuGraphStore.open({ dataDir: await freshDir() }),
);
repositoryContract("Kùzu (embedded)", async () =>
  KuzuGraphStore.open({ dataDir: await freshDir() }),
);

describe("KuzuGraphStore on disk", () => {
  it("keeps nodes and edges across a restart (database under DATA_DIR)", async () => {
    const dir = await freshDir();
    const first = await createGraphStore({
      GRAPH_STORE: "kuzu",
      DATA_DIR: dir,
      NEO4J_URI: undefined,
      NEO4J_USER: "neo4j",
      NEO4J_PASSWORD: undefined,
    });
    expect(first.kind).toBe("kuzu");
    await first.upsertNodes([
      { label: "Batch", id: "a" },
      { label: "Batch", id: "b" },
    ]);
    await first.addEdge({
      type: "FLOWS_TO",
      from: { label: "Batch", id: "a" },
      to: { label: "Batch", id: "b" },
    });
    await first.close();
    const second = await KuzuGraphStore.open({ dataDir: dir });
    const up = await second.trace(
      { label: "Batch", id: "b" },
      { direction: "upstream", maxDepth: 1 },
    );
    expect(up.nodes.map((n) => n.id)).toEqual(["a"]);
    await second.close();
  });

  it("reports Cypher errors as GraphStoreError and refuses use after close", async () => {
    const store = await KuzuGraphStore.open({ dataDir: await freshDir() });
    await expect(store.query("MATCH (n:Nope) RETURN n")).rejects.toThrow(/Kùzu query/);
    await store.close();
    await expect(store.getNode({ label: "Batch", id: "a" })).rejects.toThrow(/closed/);
  });
});
