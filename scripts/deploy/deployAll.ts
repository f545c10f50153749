import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AllianceConfig } from "./alliance";
import { deployBehindProxy, implementationOf, type UpgradeableName } from "./proxy";

/**
 * One deployed contract as recorded in deployments/<chainId>.json. For the application
 * contracts `address` is the proxy's (what everyone calls), `implementation` the code behind it
 * at deployment, `args` its constructor's wiring and `initArgs` its initialize(...) arguments.
 */
export type DeployedContract = {
  address: string;
  deployedOnBlock: number;
  args: unknown[];
  implementation?: string;
  initArgs?: unknown[];
};

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

  const plain = (args: unknown[]) => args.map((a) => (typeof a === "bigint" ? a.toString() : a));

  /** The recorded contract if it is the one asked for and its address holds code. */
  async function kept(name: string, args: unknown[], initArgs?: unknown[]) {
    const recorded = previous?.contracts[name];
    const same = (a: unknown[] | undefined, b: unknown[] | undefined) =>
      JSON.stringify(a?.map(String)) === JSON.stringify(b?.map(String));
    if (
      !recorded ||
      !same(recorded.args, args) ||
      !same(recorded.initArgs, initArgs) ||
      (await hre.ethers.provider.getCode(recorded.address)) === "0x"
    ) {
      return undefined;
    }
    log(`${name}: kept ${recorded.address} (already deployed)`);
    deployment.contracts[name] = recorded;
    return recorded.address;
  }

  /** A contract without a proxy (the alliance's own: they are the root of upgrades). */
  async function deploy(name: string, args: unknown[]): Promise<string> {
    const recorded = await kept(name, args);
    if (recorded) return recorded;
    const contract = await hre.ethers.deployContract(name, args, operator);
    const receipt = await contract.deploymentTransaction()?.wait();
    const address = await contract.getAddress();
    deployment.contracts[name] = {
      address,
      deployedOnBlock: receipt?.blockNumber ?? 0,
      args: plain(args),
    };
    save(deployment);
    log(`${name}: deployed at ${address} (block ${receipt?.blockNumber ?? "?"})`);
    return address;
  }

  /** An application contract: UUPS implementation behind a proxy (docs/decisions/0601). */
  async function deployUpgradeable(
    name: UpgradeableName,
    args: unknown[],
    initArgs: unknown[],
  ): Promise<string> {
    const recorded = await kept(name, args, initArgs);
    if (recorded) return recorded;
    const deployed = await deployBehindProxy(hre.ethers, name, args, initArgs, operator);
    deployment.contracts[name] = {
      address: deployed.address,
      deployedOnBlock: deployed.blockNumber,
      args: plain(args),
      implementation: await implementationOf(hre.ethers, deployed.address),
      initArgs: plain(initArgs),
    };
    save(deployment);
    log(
      `${name}: deployed proxy ${deployed.address} -> implementation ${deployed.implementation} ` +
        `(block ${deployed.blockNumber})`,
    );
    return deployed.address;
  }

  await deployUpgradeable("GridToken", [], [operator.address, FAUCET_AMOUNT, FAUCET_COOLDOWN]);
  const registry = await deployUpgradeable("ParticipantRegistry", [], [operator.address]);
  // Metering gateways anchor device-signed readings; the operator's head-end is the first one
  // (docs/decisions/0206-verifiable-metering.md), aggregators' gateways are granted the role.
  const ledger = await deployUpgradeable("MeteringLedger", [registry], [operator.address]);
  const ledgerContract = await hre.ethers.getContractAt("MeteringLedger", ledger, operator);
  const gatewayRole = await ledgerContract.GATEWAY_ROLE();
  if (!(await ledgerContract.hasRole(gatewayRole, operator.address))) {
    await (await ledgerContract.grantRole(gatewayRole, operator.address)).wait();
  }
  const token = deployment.contracts["GridToken"]!.address;
  await deployUpgradeable("EnergyMarket", [token, registry, ledger], [operator.address]);
  const dataAnchor = await deployUpgradeable("DataAnchor", [], [operator.address]);
  // The operator's services anchor the traceability batches (services/src/trace), so the operator
  // also holds ANCHORER_ROLE; other data owners are granted it by the operator.
  const anchorContract = await hre.ethers.getContractAt("DataAnchor", dataAnchor, operator);
  const anchorer = await anchorContract.ANCHORER_ROLE();
  if (!(await anchorContract.hasRole(anchorer, operator.address))) {
    await (await anchorContract.grantRole(anchorer, operator.address)).wait();
  }
  await deployUpgradeable("MeterReadings", [registry], [operator.address]);
  await deployUpgradeable("DispatchRegistry", [token, registry, ledger], [operator.address]);
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
