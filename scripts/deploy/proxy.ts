// Every GridLedger application contract runs as an OpenZeppelin UUPS implementation behind an
// ERC1967 proxy (GridLedgerProxy); the proxy's constructor runs initialize(...), so no one can
// take over an uninitialised proxy between two transactions (docs/decisions/0601-upgrades.md).
import type { HardhatEthersHelpers } from "@nomicfoundation/hardhat-ethers/types";
import type { ethers as Ethers, Signer } from "ethers";
import type {
  DataAnchor,
  DispatchRegistry,
  EnergyMarket,
  GridToken,
  MeterReadings,
  MeteringLedger,
  ParticipantRegistry,
} from "../../typechain-types";

/** The contracts that sit behind proxies, with their typed bindings. */
export type Upgradeable = {
  GridToken: GridToken;
  ParticipantRegistry: ParticipantRegistry;
  MeteringLedger: MeteringLedger;
  EnergyMarket: EnergyMarket;
  DataAnchor: DataAnchor;
  MeterReadings: MeterReadings;
  DispatchRegistry: DispatchRegistry;
};
export type UpgradeableName = keyof Upgradeable;
export const UPGRADEABLE_NAMES: UpgradeableName[] = [
  "GridToken",
  "ParticipantRegistry",
  "MeteringLedger",
  "EnergyMarket",
  "DataAnchor",
  "MeterReadings",
  "DispatchRegistry",
];

type HardhatEthers = typeof Ethers & HardhatEthersHelpers;

/** ERC-1967's implementation slot: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1). */
export const IMPLEMENTATION_SLOT =
  "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

/** The implementation a proxy currently delegates to, read from its ERC-1967 slot. */
export async function implementationOf(ethers: HardhatEthers, proxy: string): Promise<string> {
  const word = await ethers.provider.getStorage(proxy, IMPLEMENTATION_SLOT);
  return ethers.getAddress(`0x${word.slice(-40)}`);
}

/**
 * Deploys `name`'s implementation with `constructorArgs` (its immutable wiring), then a proxy
 * whose constructor calls `initialize(...initArgs)`. Two transactions; the proxy's address is the
 * contract's address for everyone.
 */
export async function deployBehindProxy(
  ethers: HardhatEthers,
  name: UpgradeableName,
  constructorArgs: unknown[],
  initArgs: unknown[],
  signer?: Signer,
): Promise<{ address: string; implementation: string; blockNumber: number }> {
  const implementation = await ethers.deployContract(name, constructorArgs, signer);
  await implementation.waitForDeployment();
  const data = implementation.interface.encodeFunctionData("initialize", initArgs);
  const proxy = await ethers.deployContract(
    "GridLedgerProxy",
    [await implementation.getAddress(), data],
    signer,
  );
  const receipt = await proxy.deploymentTransaction()?.wait();
  return {
    address: await proxy.getAddress(),
    implementation: await implementation.getAddress(),
    blockNumber: receipt?.blockNumber ?? 0,
  };
}

/** deployBehindProxy for tests and benchmarks: returns the typed contract at the proxy. */
export async function deployProxied<N extends UpgradeableName>(
  ethers: HardhatEthers,
  name: N,
  constructorArgs: unknown[],
  initArgs: unknown[],
  signer?: Signer,
): Promise<Upgradeable[N]> {
  const { address } = await deployBehindProxy(ethers, name, constructorArgs, initArgs, signer);
  return (await ethers.getContractAt(name, address, signer)) as unknown as Upgradeable[N];
}
