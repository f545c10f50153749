import { readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, type Address } from "viem";
import { z } from "zod";
import { NotFoundError, UnavailableError } from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";

const AddressSchema = z.string().transform((value, ctx) => {
  try {
    return getAddress(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "not an address" });
    return z.NEVER;
  }
});

const DeploymentSchema = z.object({
  network: z.string().optional(),
  chainId: z.number().int().positive(),
  contracts: z.record(
    z.string(),
    z.object({
      address: AddressSchema,
      deployedOnBlock: z.number().int().min(0).default(0),
    }),
  ),
});

/** The contract addresses of one deployment (deployments/<chainId>.json), validated. */
export type Deployment = {
  chainId: number;
  contracts: Record<string, { address: Address; deployedOnBlock: number }>;
};

/**
 * Reads and validates a deployment record written by scripts/deploy/index.ts. Relative paths are
 * resolved against `baseDir` (the working directory by default).
 *
 * @example const deployment = await readDeployment("deployments/31337.json")
 */
export async function readDeployment(file: string, baseDir = process.cwd()): Promise<Deployment> {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = await readFile(full, "utf8");
  } catch (cause) {
    throw new UnavailableError(`deployment file not readable: ${full}`, {
      details: "deploy the contracts first (npm start, or hardhat run scripts/deploy/index.ts)",
      cause,
    });
  }
  return parseWith(DeploymentSchema, JSON.parse(text) as unknown, `deployment ${full}`);
}

/** Address of a named contract, or a NotFoundError naming what is missing. */
export function contractAddress(deployment: Deployment, name: string): Address {
  const entry = deployment.contracts[name];
  if (!entry) {
    throw new NotFoundError(`contract ${name} is not in the deployment`, {
      details: `deployed: ${Object.keys(deployment.contracts).join(", ") || "(none)"}`,
    });
  }
  return entry.address;
}
