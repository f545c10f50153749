import neo4j, { type Driver } from "neo4j-driver";
import { GraphStoreError } from "./graphStore.ts";
import { CypherGraphStore, wrapGraphError, type Dialect } from "./cypherGraphStore.ts";
import { neo4jSchema } from "./schema.ts";

export type Neo4jGraphOptions = {
  /** bolt://host:port or neo4j://host:port */
  uri: string;
  user: string;
  /** Without a password the driver connects with no authentication. */
  password?: string | undefined;
  /** Database name (default: the server's default database). */
  database?: string;
};

const NEO4J_DIALECT: Dialect = {
  int: (expr) => `toInteger(${expr})`,
  labelOf: (v) => `labels(${v})[0]`,
  typeOf: (v) => `type(${v})`,
};

type Row = Record<string, unknown>;

/**
 * Graph store on a Neo4j server through neo4j-driver (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD).
 * Same property layout and same Cypher as the Kùzu store (see `schema.ts`); each label gets a
 * uniqueness constraint on `id`, which also indexes the MERGE/MATCH lookups. Integers come back as
 * JS numbers (`disableLosslessIntegers`).
 *
 * @example
 *   const graph = await Neo4jGraphStore.connect({ uri: "bolt://127.0.0.1:17687", user: "neo4j" })
 */
export class Neo4jGraphStore extends CypherGraphStore {
  readonly kind = "neo4j" as const;
  protected readonly dialect = NEO4J_DIALECT;
  readonly #driver: Driver;
  readonly #database: string | undefined;
  #closed = false;

  private constructor(driver: Driver, database: string | undefined) {
    super();
    this.#driver = driver;
    this.#database = database;
  }

  /** Connects, checks the server answers and creates the constraints. */
  static async connect(options: Neo4jGraphOptions): Promise<Neo4jGraphStore> {
    const auth =
      options.password === undefined ? undefined : neo4j.auth.basic(options.user, options.password);
    const driver = neo4j.driver(options.uri, auth, {
      disableLosslessIntegers: true,
      connectionTimeout: 10_000,
      maxConnectionPoolSize: 20,
      logging: { level: "error", logger: () => undefined },
    });
    const store = new Neo4jGraphStore(driver, options.database);
    try {
      await driver.verifyConnectivity();
      for (const ddl of neo4jSchema()) await store.run(ddl, {}, true);
      return store;
    } catch (cause) {
      await driver.close();
      throw wrapGraphError(`connecting to Neo4j at ${options.uri}`, cause);
    }
  }

  protected async run(cypher: string, params: Record<string, unknown>, write: boolean) {
    if (this.#closed) throw new GraphStoreError("graph store is closed");
    try {
      const result = await this.#driver.executeQuery(cypher, params, {
        database: this.#database,
        routing: write ? neo4j.routing.WRITE : neo4j.routing.READ,
      });
      return result.records.map((r) => plain(r.toObject()));
    } catch (cause) {
      throw wrapGraphError(`Neo4j query (${cypher.slice(0, 80)})`, cause);
    }
  }

  query(cypher: string, params: Record<string, unknown> = {}): Promise<Row[]> {
    return this.run(cypher, params, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }
}

/** Converts driver values (Integer, temporal types) to plain JS values. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = toPlain(v);
  return out;
}

function toPlain(v: unknown): unknown {
  if (neo4j.isInt(v)) return (v as { toNumber(): number }).toNumber();
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === "object" && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
