import { ValidationError } from "@gridledger/domain/errors";
import type { Config } from "../config/config.ts";
import type { CypherGraphStore } from "./cypherGraphStore.ts";

/**
 * Opens the graph store the configuration names: embedded Kùzu under `DATA_DIR`
 * (GRAPH_STORE=kuzu, the default) or the Neo4j server at `NEO4J_URI` (GRAPH_STORE=neo4j).
 * Implementations are imported on demand, so choosing one never loads the other's driver. Code
 * outside the graph layer holds the result as a `GraphStore` (no raw `query`; decision 0455).
 *
 * @example const graph = await createGraphStore(loadConfig())
 */
export async function createGraphStore(
  config: Pick<Config, "GRAPH_STORE" | "DATA_DIR" | "NEO4J_URI" | "NEO4J_USER" | "NEO4J_PASSWORD">,
): Promise<CypherGraphStore> {
  if (config.GRAPH_STORE === "neo4j") {
    if (config.NEO4J_URI === undefined) {
      throw new ValidationError(
        [{ path: "NEO4J_URI", message: "required when GRAPH_STORE=neo4j" }],
        "configuration",
      );
    }
    const { Neo4jGraphStore } = await import("./neo4jGraph.ts");
    return Neo4jGraphStore.connect({
      uri: config.NEO4J_URI,
      user: config.NEO4J_USER,
      password: config.NEO4J_PASSWORD,
    });
  }
  const { KuzuGraphStore } = await import("./kuzuGraph.ts");
  return KuzuGraphStore.open({ dataDir: config.DATA_DIR });
}
