import { z } from "zod";
import { parseWith } from "../common/validate.ts";

/**
 * The services' configuration, read from the environment once and validated. This is the only
 * module that reads process.env; every variable is listed in .env.example at the repository root.
 */
const ConfigSchema = z.object({
  /** JSON-RPC endpoint of the EVM chain (the local Hardhat node by default). */
  RPC_URL: z.url().default("http://127.0.0.1:8545"),
  /** Deployment record written by the deploy script ({chainId, contracts: {Name: {address}}}). */
  DEPLOYMENT_FILE: z.string().min(1).default("deployments/localhost.json"),
  /** Where embedded stores (IPFS blockstore, graph database, indexer cursor) keep their files. */
  DATA_DIR: z.string().min(1).default(".gridledger/data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Validates `env` (process.env by default) and returns the typed configuration. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseWith(ConfigSchema, env, "configuration");
}
