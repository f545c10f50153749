import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AllianceConfig } from "./alliance";

/** One deployed contract as recorded in deployments/<chainId>.json. */
export type DeployedContract = { address: string; deployedOnBlock: number; args: unknown[] };

/** The deployment record every service and the frontend read addresses from. */
export type Deployment = {
  network: string;
  chainId: number;
  deployedAt: string;
  /** False while a deployment is under way (or stopped half-way): the next run resumes it. */
  complete: boolean;
  contracts: Record<string, DeployedContract>;
};

/** Devnet faucet: 1,000 GLT per claim, once an hour. */
const FAUCET_AMOUNT = 1_000_000_000n;
const FAUCET_COOLDOWN = 3_600n;

/**
 * Deploys GridLedger's contracts in dependency order with the first signer as operator.
 * Later contracts take the addresses of earlier ones, so the order here is the dependency order.
 *
 * Resumable: a contract already in `previous` whose address holds code is kept, and `save` is
 * called after every step, so a run stopped half-way (unfunded deployer, RPC gone) continues
 * where it stopped. A recorded address without code (a devnet that was restarted) is redeployed.
 */
export async function deployAll(
  hre: HardhatRuntimeEnvironment,
  previous: Deployment | undefined,
  save: (deployment: Deployment) => void,
  alliance: AllianceConfig,
  log: (line: string) => void = () => {},
): Promise<Deployment> {
  const [operator] = await hre.ethers.getSigners();
  if (!operator) throw new Error("no signer configured for this network");
  const { chainId } = await hre.ethers.provider.getNetwork();
  const deployment: Deployment = {
    network: hre.network.name,
    chainId: Number(chainId),
    deployedAt: new Date().toISOString(),
    complete: false,
    contracts: {},
  };

  async function deploy(name: string, args: unknown[]): Promise<string> {
    const recorded = previous?.contracts[name];
    const recordedArgs = JSON.stringify(args.map(String));
    if (
      recorded &&
      JSON.stringify(recorded.args.map(String)) === recordedArgs &&
      (await hre.ethers.provider.getCode(recorded.address)) !== "0x"
    ) {
      log(`${name}: kept ${recorded.address} (already deployed)`);
      deployment.contracts[name] = recorded;
      return recorded.address;
    }
    const contract = await hre.ethers.deployContract(name, args, operator);
    const receipt = await contract.deploymentTransaction()?.wait();
    const address = await contract.getAddress();
    deployment.contracts[name] = {
      address,
      deployedOnBlock: receipt?.blockNumber ?? 0,
      args: args.map((a) => (typeof a === "bigint" ? a.toString() : a)),
    };
    save(deployment);
    log(`${name}: deployed at ${address} (block ${receipt?.blockNumber ?? "?"})`);
    return address;
  }

  await deploy("GridToken", [operator.address, FAUCET_AMOUNT, FAUCET_COOLDOWN]);
  await deploy("ParticipantRegistry", [operator.address]);
  // Metering gateways anchor device-signed readings; the operator's head-end is the first one
  // (docs/decisions/0206-verifiable-metering.md), aggregators' gateways are granted the role.
  const ledger = await deploy("MeteringLedger", [
    deployment.contracts["ParticipantRegistry"]!.address,
    operator.address,
  ]);
  const ledgerContract = await hre.ethers.getContractAt("MeteringLedger", ledger, operator);
  const gatewayRole = await ledgerContract.GATEWAY_ROLE();
  if (!(await ledgerContract.hasRole(gatewayRole, operator.address))) {
    await (await ledgerContract.grantRole(gatewayRole, operator.address)).wait();
  }
  await deploy("EnergyMarket", [
    operator.address,
    deployment.contracts["GridToken"]!.address,
    deployment.contracts["ParticipantRegistry"]!.address,
    ledger,
  ]);
  const dataAnchor = await deploy("DataAnchor", [operator.address]);
  // The operator's services anchor the traceability batches (services/src/trace), so the operator
  // also holds ANCHORER_ROLE; other data owners are granted it by the operator.
  const anchorContract = await hre.ethers.getContractAt("DataAnchor", dataAnchor, operator);
  const anchorer = await anchorContract.ANCHORER_ROLE();
  if (!(await anchorContract.hasRole(anchorer, operator.address))) {
    await (await anchorContract.grantRole(anchorer, operator.address)).wait();
  }
  await deploy("MeterReadings", [
    operator.address,
    deployment.contracts["ParticipantRegistry"]!.address,
  ]);
  await deploy("DispatchRegistry", [
    operator.address,
    deployment.contracts["GridToken"]!.address,
    deployment.contracts["ParticipantRegistry"]!.address,
  ]);
  // The alliance (docs/decisions/0600): one vote per member, OpenZeppelin's Governor approves,
  // its TimelockController executes. handOverToAlliance() gives it the admin roles afterwards.
  const membership = await deploy("AllianceMembership", [operator.address]);
  const timelock = await deploy("AllianceTimelock", [
    alliance.timelockDelayS,
    [],
    ["0x0000000000000000000000000000000000000000"],
    operator.address,
  ]);
  await deploy("AllianceGovernor", [
    membership,
    timelock,
    alliance.votingPeriodS,
    alliance.quorumPercent,
  ]);
  deployment.complete = true;
  save(deployment);
  return deployment;
}
