import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** One deployed contract as recorded in deployments/<network>.json. */
export type DeployedContract = { address: string; deployedOnBlock: number; args: unknown[] };

/** The deployment record every service and the frontend read addresses from. */
export type Deployment = {
  network: string;
  chainId: number;
  deployedAt: string;
  contracts: Record<string, DeployedContract>;
};

/** Devnet faucet: 1,000 GLT per claim, once an hour. */
const FAUCET_AMOUNT = 1_000_000_000n;
const FAUCET_COOLDOWN = 3_600n;

/**
 * Deploys GridLedger's contracts in dependency order with the first signer as operator.
 * Later contracts take the addresses of earlier ones, so the order here is the dependency order.
 */
export async function deployAll(hre: HardhatRuntimeEnvironment): Promise<Deployment> {
  const [operator] = await hre.ethers.getSigners();
  if (!operator) throw new Error("no signer configured for this network");
  const { chainId } = await hre.ethers.provider.getNetwork();
  const contracts: Record<string, DeployedContract> = {};

  async function deploy(name: string, args: unknown[]): Promise<string> {
    const contract = await hre.ethers.deployContract(name, args, operator);
    const receipt = await contract.deploymentTransaction()?.wait();
    const address = await contract.getAddress();
    contracts[name] = {
      address,
      deployedOnBlock: receipt?.blockNumber ?? 0,
      args: args.map((a) => (typeof a === "bigint" ? a.toString() : a)),
    };
    return address;
  }

  await deploy("GridToken", [operator.address, FAUCET_AMOUNT, FAUCET_COOLDOWN]);
  await deploy("ParticipantRegistry", [operator.address]);
  await deploy("EnergyMarket", [
    operator.address,
    contracts["GridToken"]!.address,
    contracts["ParticipantRegistry"]!.address,
  ]);
  const dataAnchor = await deploy("DataAnchor", [operator.address]);
  // The operator's services anchor the traceability batches (services/src/trace), so the operator
  // also holds ANCHORER_ROLE on the devnet; other data owners are granted it by the operator.
  const anchorContract = await hre.ethers.getContractAt("DataAnchor", dataAnchor, operator);
  await (
    await anchorContract.grantRole(await anchorContract.ANCHORER_ROLE(), operator.address)
  ).wait();
  await deploy("MeterReadings", [operator.address, contracts["ParticipantRegistry"]?.address]);
  await deploy("DispatchRegistry", [
    operator.address,
    contracts["GridToken"]!.address,
    contracts["ParticipantRegistry"]!.address,
  ]);

  return {
    network: hre.network.name,
    chainId: Number(chainId),
    deployedAt: new Date().toISOString(),
    contracts,
  };
}
