// `hardhat run --network <name> scripts/deploy/index.ts`: deploys everything and records the
// addresses in deployments/<network>.json, then regenerates the TypeScript contract bindings
// (or, with DEPLOYMENT_OUT=<file>, only writes the record to that file).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { deployAll } from "./deployAll";
import { seedDevnet } from "./seedDevnet";
import { generateContractBindings } from "../generate-protocol";

async function main(): Promise<void> {
  const deployment = await deployAll(hre);
  // SEED_DEVNET=true (npm start) also registers, funds and binds meters for the devnet cast.
  const seeded = process.env.SEED_DEVNET === "true" ? await seedDevnet(hre, deployment) : undefined;
  // DEPLOYMENT_OUT (tests' throwaway devnets) writes the record elsewhere and leaves the
  // deployments/ folder and the generated bindings alone.
  const out = process.env.DEPLOYMENT_OUT;
  const dir = out ? path.dirname(out) : path.join(hre.config.paths.root, "deployments");
  mkdirSync(dir, { recursive: true });
  const file = out ?? path.join(dir, `${hre.network.name}.json`);
  writeFileSync(file, JSON.stringify({ ...deployment, seeded }, null, 2) + "\n");
  if (!out) generateContractBindings(hre.config.paths.root);
  process.stdout.write(JSON.stringify({ deploymentFile: file, ...deployment }) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
