// `hardhat run --network <localhost|chain> scripts/deploy/index.ts` (`npm run deploy` for
// `chain`): deploys everything, resumably, and records the addresses in
// deployments/<chainId>.json, then regenerates the TypeScript contract bindings (or, with
// DEPLOYMENT_OUT=<file>, only writes the record to that file). See scripts/deploy/README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { deployAll, type Deployment } from "./deployAll";
import { seedDevnet } from "./seedDevnet";
import {
  DEFAULT_MARKET_RULES,
  DEVNET_MEMBER_INDICES,
  handOverToAlliance,
  type AllianceConfig,
} from "./alliance";
import { generateContractBindings } from "../generate-protocol";

const DEVNET_CHAIN_ID = 31337;
/** Upper bound of the gas a fresh deployment burns (ten contracts and the alliance hand-over). */
const DEPLOY_GAS = 30_000_000n;

/** A failure the operator can act on: printed as one line, exit code 1, no stack trace. */
class DeployError extends Error {}

async function connect(): Promise<number> {
  const url = "url" in hre.network.config ? hre.network.config.url : "in-process";
  try {
    const { chainId } = await hre.ethers.provider.getNetwork();
    return Number(chainId);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    // HH101: the node answered with another chain id than CHAIN_ID pins.
    if (reason?.includes("HH101")) throw new DeployError(`wrong chain: ${reason}`);
    throw new DeployError(
      `cannot reach the chain at ${url} (network ${hre.network.name}): ${reason}`,
    );
  }
}

function readPrevious(file: string, chainId: number): Deployment | undefined {
  if (!existsSync(file)) return undefined;
  const previous = JSON.parse(readFileSync(file, "utf8")) as Deployment;
  if (previous.chainId !== chainId) {
    throw new DeployError(
      `${file} records a deployment on chain ${previous.chainId}, but the RPC serves chain ${chainId}; ` +
        "point DEPLOYMENT_OUT/RPC_URL at matching ones (nothing was deployed)",
    );
  }
  return previous;
}

/**
 * The alliance from the environment: ALLIANCE_MEMBERS (comma-separated addresses; on the devnet
 * it defaults to accounts #0, #5 and #7), ALLIANCE_TIMELOCK_S (60 on the devnet, else 2 days),
 * ALLIANCE_VOTING_PERIOD_S (1 h on the devnet, else 3 days), ALLIANCE_QUORUM_PERCENT (67).
 */
async function allianceConfig(chainId: number): Promise<AllianceConfig> {
  const devnet = chainId === DEVNET_CHAIN_ID;
  const number = (name: string, fallback: number, min: number, max: number) => {
    const raw = process.env[name];
    const value = raw === undefined || raw === "" ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new DeployError(`${name} must be an integer in ${min}..${max} (got ${raw})`);
    }
    return value;
  };
  let members: string[];
  const listed = process.env.ALLIANCE_MEMBERS;
  if (listed) {
    members = listed.split(",").map((m) => m.trim());
    const bad = members.find((m) => !hre.ethers.isAddress(m));
    if (bad !== undefined) throw new DeployError(`ALLIANCE_MEMBERS: ${bad} is not an address`);
  } else if (devnet) {
    const signers = await hre.ethers.getSigners();
    members = DEVNET_MEMBER_INDICES.map((i) => signers[i]!.address);
  } else {
    throw new DeployError(
      `chain ${chainId} is not the devnet: set ALLIANCE_MEMBERS to the alliance's member ` +
        "addresses (comma-separated); the deployment hands every admin role to them",
    );
  }
  if (new Set(members.map((m) => m.toLowerCase())).size !== members.length) {
    throw new DeployError("ALLIANCE_MEMBERS lists an address twice");
  }
  return {
    members,
    timelockDelayS: number("ALLIANCE_TIMELOCK_S", devnet ? 60 : 2 * 86_400, 0, 30 * 86_400),
    votingPeriodS: number("ALLIANCE_VOTING_PERIOD_S", devnet ? 3_600 : 3 * 86_400, 60, 2 ** 32 - 1),
    quorumPercent: number("ALLIANCE_QUORUM_PERCENT", 67, 1, 100),
  };
}

async function main(): Promise<void> {
  const chainId = await connect();
  const expected = process.env.CHAIN_ID;
  if (expected && Number(expected) !== chainId) {
    throw new DeployError(`CHAIN_ID=${expected}, but the RPC serves chain ${chainId}`);
  }
  const ownKeys = Boolean(process.env.DEPLOYER_PRIVATE_KEY || process.env.DEPLOYER_MNEMONIC);
  if (hre.network.name === "chain" && !ownKeys && chainId !== DEVNET_CHAIN_ID) {
    throw new DeployError(
      `chain ${chainId} is not the Hardhat devnet: set DEPLOYER_PRIVATE_KEY or DEPLOYER_MNEMONIC ` +
        "(the devnet's public keys are used on chain 31337 only)",
    );
  }
  const [operator] = await hre.ethers.getSigners();
  if (!operator) throw new DeployError(`no signer for network ${hre.network.name}`);

  // DEPLOYMENT_OUT (tests' throwaway devnets) writes the record elsewhere and leaves the
  // deployments/ folder and the generated bindings alone.
  const out = process.env.DEPLOYMENT_OUT;
  const file = out ?? path.join(hre.config.paths.root, "deployments", `${chainId}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  const previous = readPrevious(file, chainId);
  const save = (deployment: Deployment) =>
    writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");

  if (!previous?.complete) {
    const balance = await hre.ethers.provider.getBalance(operator.address);
    const fees = await hre.ethers.provider.getFeeData();
    const needed = DEPLOY_GAS * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n);
    if (balance < needed) {
      throw new DeployError(
        `deployer ${operator.address} holds ${hre.ethers.formatEther(balance)} ETH on chain ${chainId}; ` +
          `a deployment needs up to ${hre.ethers.formatEther(needed)} ETH at the current fees. Fund it and rerun`,
      );
    }
  }
  const log = (line: string) => process.stderr.write(`[deploy] ${line}\n`);
  const alliance = await allianceConfig(chainId);
  let deployment: Deployment;
  try {
    deployment = await deployAll(hre, previous, save, alliance, log);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DeployError(
      `deployment stopped: ${reason}. What was deployed is recorded in ${file}; rerun to resume`,
    );
  }
  // SEED_DEVNET=true (npm start, demos) also registers, funds and binds meters for the cast.
  const seeded =
    process.env.SEED_DEVNET === "true" ? await seedDevnet(hre, deployment, log) : undefined;
  // Last: from here on only the alliance changes roles and rules (seeding needs the admin once).
  try {
    await handOverToAlliance(hre, deployment, alliance, DEFAULT_MARKET_RULES, log);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DeployError(`hand-over to the alliance stopped: ${reason}; rerun to resume`);
  }
  save({ ...deployment, ...(seeded ? { seeded } : {}) } as Deployment);
  if (!out) generateContractBindings(hre.config.paths.root);
  process.stdout.write(JSON.stringify({ deploymentFile: file, ...deployment }) + "\n");
}

main().catch((error: unknown) => {
  if (error instanceof DeployError) console.error(`deploy: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
