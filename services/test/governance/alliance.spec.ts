import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "@gridledger/domain/errors";
import { abis } from "@gridledger/protocol";
import { REPO_ROOT, startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { contractAddress } from "../../src/chain/deployment.ts";
import { AllianceService, GovernanceError } from "../../src/governance/alliance.ts";

/** Runs the real CLI against the devnet. */
function cli(devnet: Devnet, ...args: string[]) {
  return spawnSync(
    path.join(REPO_ROOT, "services", "bin", "gridledger.mjs"),
    ["governance", ...args],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        RPC_URL: devnet.rpcUrl,
        DEPLOYMENT_FILE: devnet.deploymentFile,
        LOG_LEVEL: "silent",
      },
      timeout: 120_000,
    },
  );
}

describe("alliance governance on a devnet (deploy hand-over, service, CLI)", () => {
  let devnet: Devnet;
  let session: ChainSession;
  let alliance: AllianceService;
  const band = (bps: number) => ({
    description: `TDVA tolerance band ${bps} bps`,
    calls: [{ contract: "DispatchRegistry", function: "setToleranceBand", args: [bps] }],
  });
  const toleranceBand = () =>
    session.publicClient.readContract({
      address: contractAddress(session.deployment, "DispatchRegistry"),
      abi: abis.DispatchRegistry,
      functionName: "toleranceBand",
    });

  beforeAll(async () => {
    devnet = await startDevnet(18575);
    session = await connectChainSession({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      log: () => {},
    });
    alliance = new AllianceService(session);
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    await devnet?.stop();
  });

  it("runs a rule change through propose, 2 of 3 approvals, the timelock and execute", async () => {
    const before = await toleranceBand();
    await session.increaseTime(1);
    const { id } = await alliance.propose(0, band(800));
    await session.increaseTime(2);
    await alliance.approve(0, id);
    await expect(alliance.execute(0, id)).rejects.toThrow(ConflictError); // 1 of 3: not yet
    const second = await alliance.approve(7, id);
    expect(second.state).toBe("Succeeded");
    const queued = await alliance.execute(0, id);
    expect(queued.state).toBe("Queued");
    await expect(alliance.execute(0, id)).rejects.toThrow(/in the timelock for \d+ more second/);
    expect(await toleranceBand()).toBe(before);
    await session.increaseTime(60);
    const done = await alliance.execute(9, id); // anyone may execute
    expect(done.state).toBe("Executed");
    expect(await toleranceBand()).toBe(800);
    const status = await alliance.status();
    expect(status.members).toEqual([0, 5, 7].map((i) => session.address(i)));
    expect([status.timelockDelayS, status.quorumPercent]).toEqual([60, 67]);
    const shown = status.proposals.find((p) => p.id === id)!;
    expect(shown).toMatchObject({
      state: "Executed",
      description: "TDVA tolerance band 800 bps",
      votes: { for: 2, against: 0, abstain: 0 },
      needed: 2,
      calls: [{ contract: "DispatchRegistry" }],
    });
    expect(shown.voted).toEqual([session.address(0), session.address(7)]);
  });

  it("refuses hostile and malformed actions with named reasons and changes nothing", async () => {
    const before = await toleranceBand();
    await expect(alliance.propose(9, band(9_000))).rejects.toThrow(
      /GovernorInsufficientProposerVotes/,
    );
    await expect(
      alliance.propose(0, {
        description: "x",
        calls: [{ contract: "Nope", function: "f", args: [] }],
      }),
    ).rejects.toThrow(/calls\.0\.contract: Nope is not a deployed GridLedger contract/);
    await expect(
      alliance.propose(0, {
        description: "x",
        calls: [{ contract: "DispatchRegistry", function: "setToleranceBand", args: ["ten"] }],
      }),
    ).rejects.toThrow(GovernanceError);
    await expect(
      alliance.propose(0, {
        description: "x",
        calls: [{ contract: "EnergyMarket", function: "setRules", args: [{ maxBandBps: 1 }] }],
      }),
    ).rejects.toThrow(/calls\.0\.args\.0\.minMeteringWindow: expected an integer/);
    await expect(alliance.approve(0, "123")).rejects.toThrow(NotFoundError);
    await expect(alliance.approve(0, "12x")).rejects.toThrow(/decimal number/);
    // A defeated proposal cannot be executed.
    await session.increaseTime(1);
    const { id } = await alliance.propose(5, band(9_500));
    await session.increaseTime(2);
    await alliance.approve(5, id);
    await alliance.approve(0, id, "Against");
    await alliance.approve(7, id, "Against");
    await session.increaseTime(3_601);
    await expect(alliance.execute(0, id)).rejects.toThrow(/is Defeated/);
    await expect(alliance.approve(0, id)).rejects.toThrow(/not open for votes/);
    expect(await toleranceBand()).toBe(before);
  });

  it("serves the same through the CLI, with a message and a non-zero exit on bad input", async () => {
    const status = cli(devnet, "status");
    expect(status.status, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { members: string[]; proposals: unknown[] };
    expect(parsed.members).toHaveLength(3);
    expect(parsed.proposals.length).toBeGreaterThanOrEqual(2);
    const bad = cli(devnet, "approve", "--proposal", "1", "--account", "x");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--account must be an account index/);
  }, 240_000);
});
