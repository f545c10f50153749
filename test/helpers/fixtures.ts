import { ethers } from "hardhat";
import { deployProxied } from "../../scripts/deploy/proxy";

export const FAUCET_AMOUNT = 1_000_000_000n; // 1,000 GLT at 6 decimals
export const FAUCET_COOLDOWN = 3_600n;

/** Deploys the devnet settlement token with the first signer as operator. */
export async function deployGridTokenFixture() {
  const [operator, alice, bob] = await ethers.getSigners();
  const token = await deployProxied(
    ethers,
    "GridToken",
    [],
    [operator.address, FAUCET_AMOUNT, FAUCET_COOLDOWN],
  );
  return { token, operator, alice, bob };
}
