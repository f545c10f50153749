import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Deployment } from "./deployAll";

/** The alliance that governs a deployment (docs/decisions/0600-alliance-governance.md). */
export type AllianceConfig = {
  /** Member accounts, one vote each. */
  members: string[];
  /** Seconds between approval and execution (TimelockController min delay). */
  timelockDelayS: number;
  /** Seconds a proposal stays open for votes (approval can come earlier: super quorum). */
  votingPeriodS: number;
  /** Share of members (%) whose For votes approve: ⌊n · q / 100⌋, 67 → 2 of 3. */
  quorumPercent: number;
};

/** The market's bounds for periods, set once by the deployer and afterwards only by the alliance. */
export type MarketRulesConfig = {
  maxBandBps: number;
  minMeteringWindow: number;
  maxMeteringWindow: number;
  maxGridBuyPrice: bigint;
  minBondRate: bigint;
  minQuantityFloor: number;
};

/**
 * Contracts whose DEFAULT_ADMIN_ROLE (role grants and revocations, rule parameters) moves to the
 * alliance's timelock. The operator keeps OPERATOR_ROLE and the day-to-day roles it administers.
 */
export const GOVERNED_CONTRACTS = [
  "GridToken",
  "ParticipantRegistry",
  "MeteringLedger",
  "EnergyMarket",
  "DataAnchor",
  "MeterReadings",
  "DispatchRegistry",
] as const;

/** Accounts of the devnet's alliance: #0 the grid operator, #5 the aggregator, #7 the auditor. */
export const DEVNET_MEMBER_INDICES = [0, 5, 7];

/**
 * Deployment rules: bands up to 20 %, metering windows 10 s to 7 days (short demos on real chains
 * meter for twice their order lead, 40 s in CI's Geth run), grid price ≤ 10 GLT/kWh.
 */
export const DEFAULT_MARKET_RULES: MarketRulesConfig = {
  maxBandBps: 2_000,
  minMeteringWindow: 10,
  maxMeteringWindow: 7 * 24 * 3600,
  maxGridBuyPrice: 10_000_000n,
  minBondRate: 1n,
  minQuantityFloor: 1,
};

/**
 * Hands a deployment to its alliance, resumably (every step checks before it acts):
 * admits the members, makes the governor the timelock's only proposer and canceller, sets the
 * market's rules, grants DEFAULT_ADMIN_ROLE of every governed contract to the timelock and
 * renounces the deployer's, hands the membership token to the timelock, and finally renounces
 * the deployer's set-up admin of the timelock. Afterwards the deployer (operator) can change no
 * role it does not administer day to day, no rule and no membership without the alliance.
 */
export async function handOverToAlliance(
  hre: HardhatRuntimeEnvironment,
  deployment: Deployment,
  config: AllianceConfig,
  rules: MarketRulesConfig,
  log: (line: string) => void = () => {},
): Promise<void> {
  const [operator] = await hre.ethers.getSigners();
  if (!operator) throw new Error("no signer configured for this network");
  const at = (name: string) => {
    const c = deployment.contracts[name];
    if (!c) throw new Error(`${name} is not in the deployment`);
    return c.address;
  };
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
  const membership = await hre.ethers.getContractAt(
    "AllianceMembership",
    at("AllianceMembership"),
    operator,
  );
  const timelock = await hre.ethers.getContractAt(
    "AllianceTimelock",
    at("AllianceTimelock"),
    operator,
  );
  const governor = at("AllianceGovernor");

  if ((await membership.owner()) === operator.address) {
    for (const member of config.members) {
      if (!(await membership.isMember(member))) {
        await wait(membership.admit(member));
        log(`alliance: admitted ${member}`);
      }
    }
  }
  for (const role of [await timelock.PROPOSER_ROLE(), await timelock.CANCELLER_ROLE()]) {
    if (!(await timelock.hasRole(role, governor))) await wait(timelock.grantRole(role, governor));
  }

  const market = await hre.ethers.getContractAt("EnergyMarket", at("EnergyMarket"), operator);
  const adminRole = await market.DEFAULT_ADMIN_ROLE();
  if (await market.hasRole(adminRole, operator.address)) {
    await wait(market.setRules(rules));
    log(`alliance: market rules set (band ≤ ${rules.maxBandBps} bps)`);
  }
  // Disputes over untrusted readings are the alliance's to resolve, not the operator's (0208).
  const ledger = await hre.ethers.getContractAt("MeteringLedger", at("MeteringLedger"), operator);
  const resolver = await ledger.RESOLVER_ROLE();
  if (await ledger.hasRole(resolver, operator.address)) {
    await wait(ledger.grantRole(resolver, at("AllianceTimelock")));
    await wait(ledger.renounceRole(resolver, operator.address));
    log("alliance: metering disputes are resolved by the timelock");
  }
  for (const name of GOVERNED_CONTRACTS) {
    const contract = await hre.ethers.getContractAt("AccessControl", at(name), operator);
    if (!(await contract.hasRole(adminRole, at("AllianceTimelock")))) {
      await wait(contract.grantRole(adminRole, at("AllianceTimelock")));
    }
    if (await contract.hasRole(adminRole, operator.address)) {
      await wait(contract.renounceRole(adminRole, operator.address));
      log(`alliance: ${name} admin is now the timelock`);
    }
  }
  if ((await membership.owner()) === operator.address) {
    await wait(membership.transferOwnership(at("AllianceTimelock")));
  }
  const timelockAdmin = await timelock.DEFAULT_ADMIN_ROLE();
  if (await timelock.hasRole(timelockAdmin, operator.address)) {
    await wait(timelock.renounceRole(timelockAdmin, operator.address));
    log(
      `alliance: ${config.members.length} members, approval by ${config.quorumPercent} %, ` +
        `timelock ${config.timelockDelayS} s; the deployer holds no admin role`,
    );
  }
}
