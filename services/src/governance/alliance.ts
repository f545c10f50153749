import {
  encodeFunctionData,
  keccak256,
  toHex,
  type Abi,
  type AbiParameter,
  type Address,
  type Hex,
} from "viem";
import { z } from "zod";
import { BaseError, ConflictError, NotFoundError } from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import {
  ProposalStateNames,
  VoteSupport,
  abis,
  type ContractName,
  type ProposalStateName,
} from "@gridledger/protocol";
import type { ChainSession } from "../chain/session.ts";
import { contractAddress } from "../chain/deployment.ts";

/** One call of a proposal, named as a user writes it: a deployed contract, a function, its args. */
export const ProposalCallSchema = z.strictObject({
  contract: z.string().min(1),
  function: z.string().min(1),
  /** Arguments as JSON: integers as numbers or decimal strings, structs as objects. */
  args: z.array(z.unknown()).default([]),
});
/** A proposal file: `{"description": "...", "calls": [{contract, function, args}]}`. */
export const ProposalInputSchema = z.strictObject({
  description: z.string().min(1).max(10_000),
  calls: z.array(ProposalCallSchema).min(1).max(20),
});
export type ProposalInput = z.input<typeof ProposalInputSchema>;

/** A proposal as `status` shows it. */
export type ProposalView = {
  id: string;
  state: ProposalStateName;
  proposer: Address;
  description: string;
  calls: { target: Address; contract: string | null; data: Hex }[];
  votes: { for: number; against: number; abstain: number };
  /** For votes that approve it at once (the super quorum) and the quorum at its deadline. */
  needed: number;
  voted: Address[];
  /** Unix seconds: end of voting, and when the timelock lets it run (0 until queued). */
  deadline: number;
  eta: number;
};

/** The alliance's configuration and its proposals. */
export type AllianceStatus = {
  governor: Address;
  timelock: Address;
  members: Address[];
  timelockDelayS: number;
  votingPeriodS: number;
  quorumPercent: number;
  proposals: ProposalView[];
};

/** A refused governance action, with what would make it possible. */
export class GovernanceError extends BaseError {
  override name = "GovernanceError";
}

/**
 * The alliance's workflow (docs/decisions/0600): a member proposes calls on the deployed
 * contracts, members approve (castVote For), and once enough have approved the proposal is
 * queued in the timelock and, after its delay, executed by anyone. Every step is an ordinary
 * transaction on OpenZeppelin's Governor; this class only names things and explains refusals.
 *
 * @example
 *   const alliance = new AllianceService(session)
 *   const { id } = await alliance.propose(0, { description: "band 10 %", calls: [...] })
 *   await alliance.approve(5, id); await alliance.approve(7, id)
 *   await alliance.execute(0, id) // queues; after the delay, execute again runs it
 */
export class AllianceService {
  readonly #s: ChainSession;
  readonly governor: Address;
  readonly timelock: Address;
  readonly #membership: Address;

  constructor(session: ChainSession) {
    this.#s = session;
    this.governor = contractAddress(session.deployment, "AllianceGovernor");
    this.timelock = contractAddress(session.deployment, "AllianceTimelock");
    this.#membership = contractAddress(session.deployment, "AllianceMembership");
  }

  /** Encodes a proposal file into targets and calldata, naming the call that does not fit. */
  encode(input: unknown): { targets: Address[]; datas: Hex[]; description: string } {
    const proposal = parseWith(ProposalInputSchema, input, "proposal");
    const targets: Address[] = [];
    const datas: Hex[] = [];
    proposal.calls.forEach((call, i) => {
      if (!(call.contract in abis) || !this.#s.deployment.contracts[call.contract]) {
        throw new GovernanceError(
          `calls.${i}.contract: ${call.contract} is not a deployed GridLedger contract`,
        );
      }
      const abi = abis[call.contract as ContractName] as Abi;
      const fn = abi.find(
        (item) =>
          item.type === "function" &&
          item.name === call.function &&
          item.inputs.length === call.args.length &&
          item.stateMutability !== "view" &&
          item.stateMutability !== "pure",
      );
      if (!fn || fn.type !== "function") {
        throw new GovernanceError(
          `calls.${i}.function: ${call.contract} has no state-changing ${call.function} taking ${call.args.length} argument(s)`,
        );
      }
      let args: unknown[];
      try {
        args = fn.inputs.map((p, k) => coerce(p, call.args[k], `calls.${i}.args.${k}`));
        datas.push(encodeFunctionData({ abi: [fn], functionName: fn.name, args }));
      } catch (error) {
        if (error instanceof GovernanceError) throw error;
        throw new GovernanceError(
          `calls.${i}.args: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
        );
      }
      targets.push(contractAddress(this.#s.deployment, call.contract as ContractName));
    });
    return { targets, datas, description: proposal.description };
  }

  /** Proposes as account `signer` (a member); returns the proposal id. */
  async propose(signer: number, input: unknown): Promise<{ id: string; tx: Hex }> {
    const { targets, datas, description } = this.encode(input);
    const values = targets.map(() => 0n);
    const id = await this.#client.readContract({
      ...this.#gov,
      functionName: "hashProposal",
      args: [targets, values, datas, keccak256(toHex(description))],
    });
    const sent = await this.#s.write("governance propose", signer, {
      ...this.#gov,
      functionName: "propose",
      args: [targets, values, datas, description],
    });
    return { id: id.toString(), tx: sent.hash };
  }

  /** Votes For (or Against) proposal `id` as account `signer`. */
  async approve(signer: number, id: string, support: keyof typeof VoteSupport = "For") {
    const proposalId = this.#id(id);
    const state = await this.#state(proposalId);
    if (state === "Pending") {
      throw new GovernanceError(`proposal ${id} opens for votes in a second; try again`);
    }
    if (state !== "Active")
      throw new ConflictError(`proposal ${id} is ${state}, not open for votes`);
    const sent = await this.#s.write("governance vote", signer, {
      ...this.#gov,
      functionName: "castVote",
      args: [proposalId, VoteSupport[support]],
    });
    return { id, tx: sent.hash, state: await this.#state(proposalId) };
  }

  /**
   * Moves an approved proposal on: queues it in the timelock when it has just succeeded, runs it
   * when its delay has passed, or says how long is left.
   */
  async execute(
    signer: number,
    id: string,
  ): Promise<{ id: string; state: ProposalStateName; tx?: Hex }> {
    const proposalId = this.#id(id);
    let state = await this.#state(proposalId);
    if (state === "Succeeded") {
      const queued = await this.#s.write("governance queue", signer, {
        ...this.#gov,
        functionName: "queue",
        args: [proposalId],
      });
      state = await this.#state(proposalId);
      return { id, state, tx: queued.hash };
    }
    if (state !== "Queued") {
      throw new ConflictError(
        `proposal ${id} is ${state}: only an approved proposal can be executed`,
      );
    }
    const eta = Number(
      await this.#client.readContract({
        ...this.#gov,
        functionName: "proposalEta",
        args: [proposalId],
      }),
    );
    const now = await this.#s.latestTimestamp();
    if (now < eta) {
      throw new GovernanceError(
        `proposal ${id} is in the timelock for ${eta - now} more second(s) (until ${new Date(eta * 1000).toISOString()})`,
      );
    }
    const sent = await this.#s.write("governance execute", signer, {
      ...this.#gov,
      functionName: "execute",
      args: [proposalId],
    });
    return { id, state: await this.#state(proposalId), tx: sent.hash };
  }

  /** Members, settings and every proposal with its state, votes and timelock. */
  async status(): Promise<AllianceStatus> {
    const client = this.#s.publicClient;
    const [delay, period, numerator, count] = await Promise.all([
      client.readContract({
        address: this.timelock,
        abi: abis.AllianceTimelock,
        functionName: "getMinDelay",
      }),
      this.#client.readContract({ ...this.#gov, functionName: "votingPeriod" }),
      this.#client.readContract({ ...this.#gov, functionName: "quorumNumerator" }),
      this.#client.readContract({ ...this.#gov, functionName: "proposalCount" }),
    ]);
    const deployedOn = (name: string) =>
      BigInt(this.#s.deployment.contracts[name]?.deployedOnBlock ?? 0);
    const fromBlock = deployedOn("AllianceGovernor");
    const [membershipLogs, created, votes] = await Promise.all([
      // Every event of the membership token, in chain order: admissions and expulsions replayed.
      client.getContractEvents({
        address: this.#membership,
        abi: abis.AllianceMembership,
        fromBlock: deployedOn("AllianceMembership"),
      }),
      client.getContractEvents({
        address: this.governor,
        abi: abis.AllianceGovernor,
        eventName: "ProposalCreated",
        fromBlock,
      }),
      client.getContractEvents({
        address: this.governor,
        abi: abis.AllianceGovernor,
        eventName: "VoteCast",
        fromBlock,
      }),
    ]);
    const current = new Set<Address>();
    for (const log of membershipLogs) {
      if (log.eventName === "MemberAdmitted") current.add(log.args.member!);
      if (log.eventName === "MemberExpelled") current.delete(log.args.member!);
    }
    const members = [...current];
    const descriptions = new Map(created.map((e) => [e.args.proposalId!.toString(), e.args]));
    const names = new Map(
      Object.entries(this.#s.deployment.contracts).map(([name, c]) => [
        c.address.toLowerCase(),
        name,
      ]),
    );
    const proposals: ProposalView[] = [];
    for (let i = 0n; i < count; i++) {
      const [proposalId, targets, , datas] = await this.#client.readContract({
        ...this.#gov,
        functionName: "proposalDetailsAt",
        args: [i],
      });
      const [state, tally, deadline, eta, snapshot] = await Promise.all([
        this.#state(proposalId),
        this.#client.readContract({
          ...this.#gov,
          functionName: "proposalVotes",
          args: [proposalId],
        }),
        this.#client.readContract({
          ...this.#gov,
          functionName: "proposalDeadline",
          args: [proposalId],
        }),
        this.#client.readContract({
          ...this.#gov,
          functionName: "proposalEta",
          args: [proposalId],
        }),
        this.#client.readContract({
          ...this.#gov,
          functionName: "proposalSnapshot",
          args: [proposalId],
        }),
      ]);
      const needed = await this.#client.readContract({
        ...this.#gov,
        functionName: "superQuorum",
        args: [snapshot],
      });
      const created = descriptions.get(proposalId.toString());
      proposals.push({
        id: proposalId.toString(),
        state,
        proposer:
          created?.proposer ??
          (await this.#client.readContract({
            ...this.#gov,
            functionName: "proposalProposer",
            args: [proposalId],
          })),
        description: created?.description ?? "",
        calls: targets.map((target, k) => ({
          target,
          contract: names.get(target.toLowerCase()) ?? null,
          data: datas[k]!,
        })),
        votes: { against: Number(tally[0]), for: Number(tally[1]), abstain: Number(tally[2]) },
        needed: Number(needed),
        voted: votes
          .filter((v) => v.args.proposalId === proposalId && v.args.weight! > 0n)
          .map((v) => v.args.voter!),
        deadline: Number(deadline),
        eta: Number(eta),
      });
    }
    return {
      governor: this.governor,
      timelock: this.timelock,
      members,
      timelockDelayS: Number(delay),
      votingPeriodS: Number(period),
      quorumPercent: Number(numerator),
      proposals,
    };
  }

  #id(id: string): bigint {
    if (!/^[0-9]+$/.test(id))
      throw new GovernanceError(`proposal id must be a decimal number (got ${id})`);
    return BigInt(id);
  }

  async #state(proposalId: bigint): Promise<ProposalStateName> {
    try {
      const s = await this.#client.readContract({
        ...this.#gov,
        functionName: "state",
        args: [proposalId],
      });
      return ProposalStateNames[s] ?? "Pending";
    } catch (error) {
      if (String(error).includes("GovernorNonexistentProposal")) {
        throw new NotFoundError(`no proposal ${proposalId}`);
      }
      throw error;
    }
  }

  get #client() {
    return this.#s.publicClient;
  }

  get #gov() {
    return { address: this.governor, abi: abis.AllianceGovernor } as const;
  }
}

/** Turns a JSON value into what viem encodes for ABI parameter `p`, naming `path` when it cannot. */
function coerce(p: AbiParameter, value: unknown, path: string): unknown {
  const fail = (what: string): never => {
    throw new GovernanceError(`${path}: expected ${what} for ${p.name || p.type} (${p.type})`);
  };
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    if (!Array.isArray(value)) return fail("an array");
    const inner = { ...p, type: array[1]! } as AbiParameter;
    return value.map((v, i) => coerce(inner, v, `${path}.${i}`));
  }
  if (p.type === "tuple") {
    const components = (p as { components: readonly AbiParameter[] }).components;
    if (!value || typeof value !== "object" || Array.isArray(value)) return fail("an object");
    const record = value as Record<string, unknown>;
    const unknownKey = Object.keys(record).find((k) => !components.some((c) => c.name === k));
    if (unknownKey) return fail(`no field ${unknownKey}`);
    return Object.fromEntries(
      components.map((c) => [c.name, coerce(c, record[c.name!], `${path}.${c.name}`)]),
    );
  }
  if (/^u?int\d*$/.test(p.type)) {
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return BigInt(value);
    return fail("an integer");
  }
  if (p.type === "bool") return typeof value === "boolean" ? value : fail("true or false");
  if (p.type === "address") {
    return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)
      ? value
      : fail("an address");
  }
  if (p.type === "string") return typeof value === "string" ? value : fail("a string");
  if (/^bytes\d*$/.test(p.type)) {
    return typeof value === "string" && /^0x([0-9a-fA-F]{2})*$/.test(value)
      ? value
      : fail("0x hex");
  }
  return fail("a supported value");
}
