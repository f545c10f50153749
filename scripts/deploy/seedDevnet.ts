import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Deployment } from "./deployAll";
import { signMeterCertificate } from "./meterCertificate";
import { protocol } from "../../test/helpers/protocol";

/** One seeded devnet account and what it is for. */
export type SeededAccount = {
  index: number;
  address: string;
  role: string;
  kind: string;
  bus: number;
  meter?: string;
};

const GLT = 1_000_000n; // 6 decimals
const FEEDER_ID = 1;
/** Ether each cast member keeps for gas; topped up from the operator by ordinary transfers. */
const GAS_ALLOWANCE = 10n ** 18n;

// IParticipantRegistry.ParticipantKind, from the protocol package.
const KIND = protocol.ParticipantKind;

/**
 * The devnet's cast, on the 6-node demonstration feeder (feeder 1): account #0 is the operator;
 * #1-#4 are prosumers with a bound meter each (#11-#14); #5 an aggregator; #6 a supplier; #7 an
 * auditor. Everyone gets 10,000 GLT. Deterministic, so the README can name the accounts.
 */
const CAST = [
  { index: 1, role: "PROSUMER_ROLE", kind: "PV", renewable: true, bus: 6, meter: 11 },
  { index: 2, role: "PROSUMER_ROLE", kind: "Wind", renewable: true, bus: 5, meter: 12 },
  { index: 3, role: "PROSUMER_ROLE", kind: "Storage", renewable: false, bus: 2, meter: 13 },
  { index: 4, role: "PROSUMER_ROLE", kind: "FlexibleLoad", renewable: false, bus: 4, meter: 14 },
  { index: 5, role: "AGGREGATOR_ROLE", kind: "Aggregator", renewable: false, bus: 1 },
  { index: 6, role: "SUPPLIER_ROLE", kind: "Supplier", renewable: false, bus: 1 },
  { index: 7, role: "AUDITOR_ROLE", kind: "Consumer", renewable: false, bus: 3 },
] as const;

/**
 * Registers, approves and funds the devnet cast and binds their meters with operator-signed
 * EIP-712 certificates, exactly as a real operator would. Works on any chain whose signers are
 * a mnemonic's first 15 keys (accounts #0-#14): members are given gas money by ordinary transfers
 * from #0, and every step already done (registered, minted, bound) is skipped, so a rerun resumes.
 */
export async function seedDevnet(
  hre: HardhatRuntimeEnvironment,
  deployment: Deployment,
  log: (line: string) => void = () => {},
): Promise<SeededAccount[]> {
  const signers = await hre.ethers.getSigners();
  const needed = Math.max(...CAST.map((m) => ("meter" in m ? m.meter : m.index))) + 1;
  if (signers.length < needed) {
    throw new Error(
      `seeding needs ${needed} accounts of one mnemonic (DEPLOYER_MNEMONIC); this network has ${signers.length}`,
    );
  }
  const operator = signers[0]!;
  const address = (name: string): string => {
    const c = deployment.contracts[name];
    if (!c) throw new Error(`${name} is not in the deployment`);
    return c.address;
  };
  const token = await hre.ethers.getContractAt("GridToken", address("GridToken"), operator);
  const registry = await hre.ethers.getContractAt(
    "ParticipantRegistry",
    address("ParticipantRegistry"),
    operator,
  );
  const { chainId } = await hre.ethers.provider.getNetwork();
  const seeded: SeededAccount[] = [];
  const latest = await hre.ethers.provider.getBlock("latest");
  const expiry = BigInt((latest?.timestamp ?? 0) + 365 * 24 * 3600);

  if ((await token.balanceOf(operator.address)) < 100_000n * GLT) {
    await (await token.mint(operator.address, 1_000_000n * GLT)).wait();
  }
  const topUp = async (address: string) => {
    const balance = await hre.ethers.provider.getBalance(address);
    if (balance >= GAS_ALLOWANCE / 2n) return;
    await (await operator.sendTransaction({ to: address, value: GAS_ALLOWANCE - balance })).wait();
  };
  for (const member of CAST) {
    const account = signers[member.index]!;
    await topUp(account.address);
    const role = await registry[member.role]();
    if (await registry.hasRole(role, account.address)) {
      log(`seed: #${member.index} already holds ${member.role}`);
    } else if (member.role === "AUDITOR_ROLE") {
      // Auditors do not trade: the admin grants the role directly, no admission needed.
      await (await registry.grantRole(role, account.address)).wait();
    } else {
      const details = hre.ethers.id(`devnet participant #${member.index} ${member.kind}`);
      if ((await registry.applicationHash(account.address)) === hre.ethers.ZeroHash) {
        await (
          await registry
            .connect(account)
            .applyAsParticipant(
              KIND[member.kind],
              member.renewable,
              FEEDER_ID,
              member.bus,
              details,
              "",
            )
        ).wait();
      }
      const application = await registry.applicationHash(account.address);
      await (await registry.approve(account.address, role, application)).wait();
    }
    if ((await token.balanceOf(account.address)) < 10_000n * GLT) {
      await (await token.mint(account.address, 10_000n * GLT)).wait();
    }
    const entry: SeededAccount = {
      index: member.index,
      address: account.address,
      role: member.role.replace("_ROLE", "").toLowerCase(),
      kind: member.kind,
      bus: member.bus,
    };
    if ("meter" in member) {
      const meter = signers[member.meter]!;
      if ((await registry.participantOfMeter(meter.address)) !== account.address) {
        const nonce = BigInt(member.meter);
        const signature = await signMeterCertificate(
          operator,
          chainId,
          await registry.getAddress(),
          { meter: meter.address, participant: account.address, expiry, nonce },
        );
        await (
          await registry.bindMeter(meter.address, account.address, expiry, nonce, signature)
        ).wait();
      }
      entry.meter = meter.address;
    }
    seeded.push(entry);
  }
  return seeded;
}
