import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { protocol } from "../helpers/protocol";
import { deployAll } from "../../scripts/deploy/deployAll";
import { implementationOf, UPGRADEABLE_NAMES } from "../../scripts/deploy/proxy";
import { admit, fund, openInterval, place, UNIT } from "../market/marketFixtures";
import {
  DEFAULT_MARKET_RULES,
  GOVERNED_CONTRACTS,
  handOverToAlliance,
  type AllianceConfig,
} from "../../scripts/deploy/alliance";

/** IGovernor.ProposalState as the protocol package names it (so this also checks the package). */
const State = Object.fromEntries(protocol.ProposalStateNames.map((name, i) => [name, i])) as Record<
  (typeof protocol.ProposalStateNames)[number],
  number
>;
const { For, Against } = protocol.VoteSupport;
const DELAY = 60;
const VOTING = 3_600;

/** The real deployment path (scripts/deploy) on the in-process chain, handed to a 2-of-3 alliance. */
async function allianceFixture() {
  const signers = await ethers.getSigners();
  const [operator, , , , , aggregator, , auditor, stranger, newcomer] = signers;
  const config: AllianceConfig = {
    members: [operator!.address, aggregator!.address, auditor!.address],
    timelockDelayS: DELAY,
    votingPeriodS: VOTING,
    quorumPercent: 67,
  };
  const deployment = await deployAll(hre, undefined, () => {}, config);
  await handOverToAlliance(hre, deployment, config, DEFAULT_MARKET_RULES);
  const at = (name: string) => deployment.contracts[name]!.address;
  const governor = await ethers.getContractAt("AllianceGovernor", at("AllianceGovernor"));
  const timelock = await ethers.getContractAt("AllianceTimelock", at("AllianceTimelock"));
  const membership = await ethers.getContractAt("AllianceMembership", at("AllianceMembership"));
  const market = await ethers.getContractAt("EnergyMarket", at("EnergyMarket"));
  const anchors = await ethers.getContractAt("DataAnchor", at("DataAnchor"));
  const ledger = await ethers.getContractAt("MeteringLedger", at("MeteringLedger"));
  const tdva = await ethers.getContractAt("DispatchRegistry", at("DispatchRegistry"));
  const registry = await ethers.getContractAt("ParticipantRegistry", at("ParticipantRegistry"));
  const token = await ethers.getContractAt("GridToken", at("GridToken"));
  await time.increase(1); // membership votes count from the second after admission
  return {
    deployment,
    at,
    governor,
    timelock,
    membership,
    market,
    anchors,
    ledger,
    tdva,
    registry,
    token,
    signers,
    operator: operator!,
    aggregator: aggregator!,
    auditor: auditor!,
    stranger: stranger!,
    newcomer: newcomer!,
  };
}

type Fixture = Awaited<ReturnType<typeof allianceFixture>>;

/** A proposal of the given calls, by `by`; returns its id and what execute needs. */
async function propose(
  f: Fixture,
  calls: { target: string; data: string }[],
  description: string,
  by = f.operator,
) {
  const targets = calls.map((c) => c.target);
  const values = calls.map(() => 0n);
  const datas = calls.map((c) => c.data);
  const id = await f.governor.hashProposal(targets, values, datas, ethers.id(description));
  await expect(f.governor.connect(by).propose(targets, values, datas, description)).to.emit(
    f.governor,
    "ProposalCreated",
  );
  await time.increase(2); // voting delay: 1 s
  return { id, targets, values, datas, description };
}

const TIGHTER = { ...DEFAULT_MARKET_RULES, maxBandBps: 1_000 };

describe("Alliance governance", () => {
  it("hands every admin role to the timelock and keeps the operator's day-to-day roles", async () => {
    const f = await loadFixture(allianceFixture);
    const admin = await f.market.DEFAULT_ADMIN_ROLE();
    for (const name of GOVERNED_CONTRACTS) {
      const c = await ethers.getContractAt("AccessControl", f.at(name));
      expect(await c.hasRole(admin, f.at("AllianceTimelock")), name).to.equal(true);
      expect(await c.hasRole(admin, f.operator.address), name).to.equal(false);
    }
    expect(await f.market.hasRole(await f.market.OPERATOR_ROLE(), f.operator.address)).to.equal(
      true,
    );
    expect(await f.timelock.hasRole(await f.timelock.DEFAULT_ADMIN_ROLE(), f.operator.address)).to
      .be.false;
    expect(await f.membership.owner()).to.equal(f.at("AllianceTimelock"));
    const ledger = await ethers.getContractAt("MeteringLedger", f.at("MeteringLedger"));
    const resolver = await ledger.RESOLVER_ROLE();
    expect(await ledger.hasRole(resolver, f.at("AllianceTimelock"))).to.equal(true);
    expect(await ledger.hasRole(resolver, f.operator.address)).to.equal(false);
    expect(await f.governor.quorum((await time.latest()) - 1)).to.equal(2n);
    expect(await f.governor.superQuorum((await time.latest()) - 1)).to.equal(2n);
    const rules = await f.market.rules();
    expect(rules.maxBandBps).to.equal(BigInt(DEFAULT_MARKET_RULES.maxBandBps));
  });

  it("refuses the operator alone: role grants, rules, membership and the timelock itself", async () => {
    const f = await loadFixture(allianceFixture);
    const admin = await f.market.DEFAULT_ADMIN_ROLE();
    const op = f.operator;
    await expect(f.ledger.connect(op).grantRole(await f.ledger.GATEWAY_ROLE(), f.stranger))
      .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, admin);
    await expect(f.registry.connect(op).grantRole(await f.registry.AUDITOR_ROLE(), f.stranger))
      .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, admin);
    await expect(f.market.connect(op).revokeRole(await f.market.OPERATOR_ROLE(), op.address))
      .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, admin);
    await expect(f.market.connect(op).setRules(TIGHTER))
      .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, admin);
    await expect(f.tdva.connect(op).setToleranceBand(100))
      .to.be.revertedWithCustomError(f.tdva, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, admin);
    await expect(f.membership.connect(op).admit(f.stranger))
      .to.be.revertedWithCustomError(f.membership, "OwnableUnauthorizedAccount")
      .withArgs(op.address);
    await expect(
      f.timelock
        .connect(op)
        .schedule(f.at("EnergyMarket"), 0, "0x", ethers.ZeroHash, ethers.ZeroHash, DELAY),
    )
      .to.be.revertedWithCustomError(f.timelock, "AccessControlUnauthorizedAccount")
      .withArgs(op.address, await f.timelock.PROPOSER_ROLE());
    await expect(f.governor.connect(op).relay(f.at("EnergyMarket"), 0, "0x"))
      .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
      .withArgs(op.address);
    // Day to day still works: the operator anchors data and opens periods within the rules.
    await f.anchors.connect(op).anchor(ethers.id("batch"), "", 1, ethers.id("trace"));
  });

  it("executes a proposal once 2 of 3 members approve and the timelock delay has passed", async () => {
    const f = await loadFixture(allianceFixture);
    const grant = f.ledger.interface.encodeFunctionData("grantRole", [
      await f.ledger.GATEWAY_ROLE(),
      f.newcomer.address,
    ]);
    const rules = f.market.interface.encodeFunctionData("setRules", [TIGHTER]);
    const p = await propose(
      f,
      [
        { target: f.at("MeteringLedger"), data: grant },
        { target: f.at("EnergyMarket"), data: rules },
      ],
      "Admit the aggregator's gateway; bands at most 10 %",
    );
    expect(await f.governor.state(p.id)).to.equal(State.Active);
    await f.governor.connect(f.operator).castVote(p.id, For);
    // One of three is not enough: still active, and it cannot be queued.
    expect(await f.governor.state(p.id)).to.equal(State.Active);
    await expect(
      f.governor["queue(address[],uint256[],bytes[],bytes32)"](
        p.targets,
        p.values,
        p.datas,
        ethers.id(p.description),
      ),
    ).to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState");
    await expect(f.governor.connect(f.operator).castVote(p.id, For))
      .to.be.revertedWithCustomError(f.governor, "GovernorAlreadyCastVote")
      .withArgs(f.operator.address);
    // A stranger's vote weighs nothing.
    await f.governor.connect(f.stranger).castVote(p.id, For);
    expect((await f.governor.proposalVotes(p.id)).forVotes).to.equal(1n);
    // The second member's approval decides at once (super quorum), long before the deadline.
    await f.governor.connect(f.auditor).castVote(p.id, For);
    expect(await f.governor.state(p.id)).to.equal(State.Succeeded);
    await f.governor["queue(uint256)"](p.id);
    expect(await f.governor.state(p.id)).to.equal(State.Queued);
    const eta = await f.governor.proposalEta(p.id);
    expect(eta).to.equal(BigInt(await time.latest()) + BigInt(DELAY));
    // Too early: the timelock refuses.
    await expect(f.governor["execute(uint256)"](p.id)).to.be.revertedWithCustomError(
      f.timelock,
      "TimelockUnexpectedOperationState",
    );
    await time.increaseTo(eta);
    // Anyone may execute once the delay passed; both calls run.
    await expect(f.governor.connect(f.stranger)["execute(uint256)"](p.id))
      .to.emit(f.market, "MarketRulesChanged")
      .and.to.emit(f.ledger, "RoleGranted");
    expect(await f.governor.state(p.id)).to.equal(State.Executed);
    expect(await f.ledger.hasRole(await f.ledger.GATEWAY_ROLE(), f.newcomer.address)).to.equal(
      true,
    );
    expect((await f.market.rules()).maxBandBps).to.equal(1_000n);
    // The new rule binds the operator: a 15 % band is now outside it.
    const start = BigInt(await time.latest()) + 7_200n;
    await expect(f.market.openPeriod(start, 900, 3_600, 300_000, 50_000, 1_500, 1, 1))
      .to.be.revertedWithCustomError(f.market, "MarketOutsideRules")
      .withArgs(1, 1_500, 1_000);
    await f.market.openPeriod(start, 900, 3_600, 300_000, 50_000, 1_000, 1, 1);
    // Replaying the executed proposal does nothing.
    await expect(f.governor["execute(uint256)"](p.id)).to.be.revertedWithCustomError(
      f.governor,
      "GovernorUnexpectedProposalState",
    );
  });

  it("defeats a proposal the majority votes against, and refuses proposals from non-members", async () => {
    const f = await loadFixture(allianceFixture);
    const data = f.tdva.interface.encodeFunctionData("setToleranceBand", [9_000]);
    await expect(
      f.governor.connect(f.stranger).propose([f.at("DispatchRegistry")], [0n], [data], "wide band"),
    )
      .to.be.revertedWithCustomError(f.governor, "GovernorInsufficientProposerVotes")
      .withArgs(f.stranger.address, 0n, 1n);
    const p = await propose(f, [{ target: f.at("DispatchRegistry"), data }], "wide band");
    await f.governor.connect(f.operator).castVote(p.id, For);
    await f.governor.connect(f.aggregator).castVote(p.id, Against);
    await f.governor.connect(f.auditor).castVote(p.id, Against);
    expect(await f.governor.state(p.id)).to.equal(State.Active);
    await time.increase(VOTING + 1);
    expect(await f.governor.state(p.id)).to.equal(State.Defeated);
    await expect(f.governor["queue(uint256)"](p.id)).to.be.revertedWithCustomError(
      f.governor,
      "GovernorUnexpectedProposalState",
    );
  });

  it("changes membership only by vote; a vote cannot be transferred, and a newcomer's counts only for later proposals", async () => {
    const f = await loadFixture(allianceFixture);
    const id = BigInt(f.operator.address);
    await expect(
      f.membership.connect(f.operator).transferFrom(f.operator.address, f.stranger.address, id),
    )
      .to.be.revertedWithCustomError(f.membership, "AllianceMembershipNotTransferable")
      .withArgs(id);
    const admit = f.membership.interface.encodeFunctionData("admit", [f.newcomer.address]);
    const p = await propose(f, [{ target: f.at("AllianceMembership"), data: admit }], "admit #9");
    await f.governor.connect(f.aggregator).castVote(p.id, For);
    await f.governor.connect(f.auditor).castVote(p.id, For);
    await f.governor["queue(uint256)"](p.id);
    await time.increase(DELAY);
    await expect(f.governor["execute(uint256)"](p.id))
      .to.emit(f.membership, "MemberAdmitted")
      .withArgs(f.newcomer.address);
    expect(await f.membership.isMember(f.newcomer.address)).to.equal(true);
    await time.increase(1);
    // Four members: approval now needs ⌊4 · 0.67⌋ = 2; the newcomer may propose.
    const data = f.tdva.interface.encodeFunctionData("setToleranceBand", [800]);
    const q = await propose(
      f,
      [{ target: f.at("DispatchRegistry"), data }],
      "band 8 %",
      f.newcomer,
    );
    expect(await f.governor.quorum(await f.governor.proposalSnapshot(q.id))).to.equal(2n);
    await expect(f.membership.admit(f.stranger)).to.be.revertedWithCustomError(
      f.membership,
      "OwnableUnauthorizedAccount",
    );
  });

  it("refuses inconsistent market rules with MarketInvalidRules", async () => {
    const f = await loadFixture(allianceFixture);
    const bad = [
      [{ ...DEFAULT_MARKET_RULES, maxBandBps: 10_001 }, 1],
      [{ ...DEFAULT_MARKET_RULES, minMeteringWindow: 10, maxMeteringWindow: 5 }, 2],
      [{ ...DEFAULT_MARKET_RULES, minBondRate: 0n }, 3],
      [{ ...DEFAULT_MARKET_RULES, minQuantityFloor: 0 }, 4],
    ] as const;
    // Through the timelock's own address (impersonated) so that only the rule check can refuse.
    await hre.network.provider.request({
      method: "hardhat_impersonateAccount",
      params: [f.at("AllianceTimelock")],
    });
    await f.operator.sendTransaction({
      to: f.at("AllianceTimelock"),
      value: ethers.parseEther("1"),
    });
    const asTimelock = f.market.connect(await ethers.getSigner(f.at("AllianceTimelock")));
    for (const [rules, reason] of bad) {
      await expect(asTimelock.setRules(rules))
        .to.be.revertedWithCustomError(f.market, "MarketInvalidRules")
        .withArgs(reason);
    }
    await expect(asTimelock.setRules(TIGHTER)).to.emit(f.market, "MarketRulesChanged");
  });

  it("upgrades the market only through the alliance, keeping every balance, order and record", async () => {
    const f = await loadFixture(allianceFixture);
    const [seller, buyer] = [f.signers[1]!, f.signers[2]!];
    await admit(f.registry, seller, true);
    await admit(f.registry, buyer, false);
    await fund(f.token, f.market, seller);
    await fund(f.token, f.market, buyer);
    const { id: intervalId } = await openInterval(f.market);
    const sell = await place(f.market, intervalId, seller, 1, 100n, 10n);
    const buy = await place(f.market, intervalId, buyer, 0, 120n, 4n);
    await f.anchors.anchor(ethers.id("batch"), "bafy-before-upgrade", 3n, ethers.ZeroHash);
    const snapshot = async () => ({
      seller: await f.market.balanceOf(seller.address),
      buyer: await f.market.balanceOf(buyer.address),
      escrow: await f.token.balanceOf(f.at("EnergyMarket")),
      orders: [await f.market.order(sell.id), await f.market.order(buy.id)],
      interval: await f.market.interval(intervalId),
      rules: await f.market.rules(),
      counts: [await f.market.periodCount(), await f.market.intervalCount()],
      anchor: await f.anchors.getAnchor(1n),
    });
    const before = await snapshot();
    expect(before.buyer.locked).to.be.greaterThan(0n);

    const v2 = await ethers.deployContract("EnergyMarketV2", [
      f.at("GridToken"),
      f.at("ParticipantRegistry"),
      f.at("MeteringLedger"),
    ]);
    const upgrade = f.market.interface.encodeFunctionData("upgradeToAndCall", [
      await v2.getAddress(),
      v2.interface.encodeFunctionData("initializeV2"),
    ]);
    // Neither the operator nor anyone else can upgrade alone.
    const admin = await f.market.DEFAULT_ADMIN_ROLE();
    for (const who of [f.operator, f.stranger]) {
      await expect(who.sendTransaction({ to: f.at("EnergyMarket"), data: upgrade }))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(who.address, admin);
    }
    // The implementation itself cannot be taken over: its initialisers are disabled.
    await expect(v2.initialize(f.stranger.address)).to.be.revertedWithCustomError(
      v2,
      "InvalidInitialization",
    );

    const p = await propose(f, [{ target: f.at("EnergyMarket"), data: upgrade }], "Market v2");
    await f.governor.connect(f.operator).castVote(p.id, For);
    await f.governor.connect(f.aggregator).castVote(p.id, For);
    await f.governor["queue(uint256)"](p.id);
    await time.increaseTo(await f.governor.proposalEta(p.id));
    await expect(f.governor["execute(uint256)"](p.id))
      .to.emit(f.market, "Upgraded")
      .withArgs(await v2.getAddress());

    expect(await implementationOf(ethers, f.at("EnergyMarket"))).to.equal(await v2.getAddress());
    const upgraded = await ethers.getContractAt("EnergyMarketV2", f.at("EnergyMarket"));
    expect(await upgraded.version()).to.equal(2n);
    expect(await snapshot()).to.deep.equal(before);
    // The upgrade's own initialiser ran once; no one can run it again.
    await expect(upgraded.initializeV2()).to.be.revertedWithCustomError(
      upgraded,
      "InvalidInitialization",
    );
    // Business goes on at the same address: the seller cancels and withdraws what it locked.
    await f.market.connect(seller).cancelOrder(sell.id);
    const freed = await f.market.balanceOf(seller.address);
    expect(freed.locked).to.equal(0n);
    await expect(f.market.connect(seller).withdraw(freed.available / UNIT)).to.emit(
      f.market,
      "Withdrawn",
    );
  });

  it("deploys every application contract behind a proxy whose initialiser cannot run twice", async () => {
    const f = await loadFixture(allianceFixture);
    for (const name of UPGRADEABLE_NAMES) {
      const record = f.deployment.contracts[name]!;
      expect(await implementationOf(ethers, record.address), name).to.equal(record.implementation);
      const proxy = await ethers.getContractAt("DataAnchor", record.address);
      const again = name === "GridToken" ? [f.stranger.address, 0n, 0n] : [f.stranger.address];
      const contract = await ethers.getContractAt(name, record.address);
      await expect(
        f.stranger.sendTransaction({
          to: record.address,
          data: contract.interface.encodeFunctionData("initialize", again as never),
        }),
        name,
      ).to.be.revertedWithCustomError(proxy, "InvalidInitialization");
    }
  });
});
