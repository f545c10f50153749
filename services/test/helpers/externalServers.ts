import { createConnection } from "node:net";
import { loadConfig } from "../../src/config/config.ts";

/**
 * Finds the optional real servers the adapter suites run against: a Kubo daemon (IPFS_API) and a
 * Neo4j server (NEO4J_URI), as started by infra/kubo.sh and infra/neo4j.sh. A suite whose server
 * is not configured or does not answer is skipped, and says so on stderr.
 */
const config = loadConfig();

/** Kubo RPC URL when IPFS_API is set and the daemon answers, else undefined. */
export async function reachableKubo(): Promise<string | undefined> {
  const url = config.IPFS_API;
  if (url === undefined) return undefined;
  try {
    const res = await fetch(new URL("/api/v0/version", url), {
      method: "POST",
      signal: AbortSignal.timeout(3_000),
    });
    return res.ok ? url : undefined;
  } catch {
    return undefined;
  }
}

export type Neo4jSettings = { uri: string; user: string; password: string | undefined };

/** Neo4j settings when NEO4J_URI is set and its Bolt port accepts a connection, else undefined. */
export async function reachableNeo4j(): Promise<Neo4jSettings | undefined> {
  const uri = config.NEO4J_URI;
  if (uri === undefined) return undefined;
  const { hostname, port } = new URL(uri.replace(/^[a-z+]+:/, "http:"));
  const open = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 7687) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
  return open ? { uri, user: config.NEO4J_USER, password: config.NEO4J_PASSWORD } : undefined;
}

/** Prints why a suite is skipped, so a green run never hides that a server was missing. */
export function reportSkipped(suite: string, variable: string, hint: string): void {
  process.stderr.write(
    `\n[skipped] ${suite}: ${variable} is not set or not reachable (${hint}).\n`,
  );
}
