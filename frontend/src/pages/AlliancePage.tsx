import { useQuery } from "@tanstack/react-query";
import { useAccount, usePublicClient } from "wagmi";
import type { Address } from "viem";
import { ProposalStateNames, VoteSupport } from "@gridledger/protocol";
import { appChain } from "../config/wagmi.ts";
import { contractOf } from "../hooks/contracts.ts";
import { useContractRead, useContractReads } from "../hooks/useContractRead.ts";
import { useChainTime } from "../hooks/useChainTime.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import { formatCountdown, formatTime, shortHex } from "../utils/format.ts";

const REFRESH_MS = 2_000;

/** Descriptions and member lists come from the governor's and membership's events. */
function useAllianceLogs() {
  const client = usePublicClient({ chainId: appChain.id });
  const governor = contractOf("AllianceGovernor", appChain.id);
  const membership = contractOf("AllianceMembership", appChain.id);
  return useQuery({
    queryKey: ["alliance-logs", governor?.address],
    enabled: Boolean(client && governor && membership),
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const [created, votes, admitted, expelled] = await Promise.all([
        client!.getContractEvents({
          address: governor!.address,
          abi: governor!.abi,
          eventName: "ProposalCreated",
          fromBlock: governor!.deployedOnBlock,
        }),
        client!.getContractEvents({
          address: governor!.address,
          abi: governor!.abi,
          eventName: "VoteCast",
          fromBlock: governor!.deployedOnBlock,
        }),
        client!.getContractEvents({
          address: membership!.address,
          abi: membership!.abi,
          eventName: "MemberAdmitted",
          fromBlock: membership!.deployedOnBlock,
        }),
        client!.getContractEvents({
          address: membership!.address,
          abi: membership!.abi,
          eventName: "MemberExpelled",
          fromBlock: membership!.deployedOnBlock,
        }),
      ]);
      const gone = new Set(expelled.map((e) => e.args.member!.toLowerCase()));
      return {
        description: new Map(created.map((e) => [e.args.proposalId!, e.args.description ?? ""])),
        voters: votes.filter((v) => v.args.weight! > 0n),
        members: admitted.map((e) => e.args.member!).filter((m) => !gone.has(m.toLowerCase())),
      };
    },
  });
}

/**
 * The alliance (decision 0600): who the members are, what it takes to approve, and every
 * proposal with its approvals, its timelock countdown and its outcome. A member approves or
 * rejects here; anyone moves an approved proposal into the timelock and runs it when its delay
 * has passed. Proposals are made with `gridledger governance propose`.
 */
export default function AlliancePage(_props: { param: string }) {
  const { address } = useAccount();
  const now = useChainTime();
  const tx = useTx();
  const governor = contractOf("AllianceGovernor", appChain.id);
  const logs = useAllianceLogs();
  const poll = { refetchInterval: REFRESH_MS };
  const count = useContractRead("AllianceGovernor", "proposalCount", [], poll).data ?? 0n;
  const delay = useContractRead("AllianceTimelock", "getMinDelay", []).data;
  const numerator = useContractRead("AllianceGovernor", "quorumNumerator", []).data;
  const member = useContractRead(
    "AllianceMembership",
    "isMember",
    address ? [address] : undefined,
    poll,
  ).data;
  const indices = Array.from({ length: Number(count) }, (_, i) => [BigInt(i)] as const);
  const details = useContractReads("AllianceGovernor", "proposalDetailsAt", indices, poll).results;
  const ids = details.map((d) => d?.[0]).filter((id): id is bigint => id !== undefined);
  const one = ids.map((id) => [id] as const);
  const states = useContractReads("AllianceGovernor", "state", one, poll).results;
  const tallies = useContractReads("AllianceGovernor", "proposalVotes", one, poll).results;
  const etas = useContractReads("AllianceGovernor", "proposalEta", one, poll).results;
  const deadlines = useContractReads("AllianceGovernor", "proposalDeadline", one, poll).results;
  const snapshots = useContractReads("AllianceGovernor", "proposalSnapshot", one, poll).results;
  const needed = useContractReads(
    "AllianceGovernor",
    "superQuorum",
    snapshots.map((s) => [s ?? 0n] as const),
    poll,
  ).results;

  if (!governor) {
    return (
      <section className="card">
        <h1>Alliance</h1>
        <p className="tx-error">No AllianceGovernor is deployed on {appChain.name}: redeploy.</p>
      </section>
    );
  }
  const members: Address[] = logs.data?.members ?? [];
  const voted = (id: bigint, who: Address | undefined) =>
    Boolean(
      who &&
      logs.data?.voters.some(
        (v) => v.args.proposalId === id && v.args.voter!.toLowerCase() === who.toLowerCase(),
      ),
    );
  const rows = ids.map((id, i) => ({
    id,
    state: states[i] === undefined ? undefined : ProposalStateNames[states[i]!],
    votes: tallies[i],
    eta: etas[i] ?? 0n,
    deadline: deadlines[i] ?? 0n,
    needed: needed[i],
    description: logs.data?.description.get(id) ?? "",
    approvers: (logs.data?.voters ?? [])
      .filter((v) => v.args.proposalId === id && v.args.support === VoteSupport.For)
      .map((v) => v.args.voter!),
  }));
  const open = rows.filter((r) => r.state !== "Executed" && r.state !== "Defeated");
  const closed = rows.filter((r) => r.state === "Executed" || r.state === "Defeated");

  const action = (r: (typeof rows)[number]) => {
    if (r.state === "Active" && member && !voted(r.id, address)) {
      return (
        <>
          <button
            onClick={() =>
              void tx.send("Approve", {
                contract: "AllianceGovernor",
                functionName: "castVote",
                args: [r.id, VoteSupport.For],
              })
            }
          >
            Approve
          </button>{" "}
          <button
            className="secondary"
            onClick={() =>
              void tx.send("Reject", {
                contract: "AllianceGovernor",
                functionName: "castVote",
                args: [r.id, VoteSupport.Against],
              })
            }
          >
            Reject
          </button>
        </>
      );
    }
    if (r.state === "Active") {
      return <span className="muted">{member ? "you voted" : "members vote"}</span>;
    }
    if (r.state === "Succeeded") {
      return (
        <button
          onClick={() =>
            void tx.send("Queue", {
              contract: "AllianceGovernor",
              functionName: "queue",
              args: [r.id],
            })
          }
        >
          Queue in the timelock
        </button>
      );
    }
    if (r.state === "Queued") {
      const left = now === undefined ? undefined : Number(r.eta) - now;
      if (left !== undefined && left > 0) {
        return <span data-testid="timelock-countdown">runs in {formatCountdown(left)}</span>;
      }
      return (
        <button
          onClick={() =>
            void tx.send("Execute", {
              contract: "AllianceGovernor",
              functionName: "execute",
              args: [r.id],
            })
          }
        >
          Execute
        </button>
      );
    }
    return null;
  };

  const table = (list: typeof rows, testId: string, withAction: boolean) => (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>Proposal</th>
          <th>State</th>
          <th className="num">Approvals</th>
          <th>Approved by</th>
          <th>{withAction ? "Voting ends" : "Timelock eta"}</th>
          {withAction ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {list.map((r) => (
          <tr key={r.id.toString()} data-testid="proposal-row">
            <td title={r.id.toString()}>{r.description || shortHex(`0x${r.id.toString(16)}`)}</td>
            <td data-testid="proposal-state">{r.state ?? "…"}</td>
            <td className="num">
              {r.votes ? `${r.votes[1]} of ${r.needed ?? "?"}` : "…"}
              {r.votes && r.votes[0] > 0n ? ` (${r.votes[0]} against)` : ""}
            </td>
            <td>{r.approvers.map((a) => shortHex(a)).join(", ") || "—"}</td>
            <td>{formatTime(withAction ? r.deadline : r.eta)}</td>
            {withAction ? <td>{action(r)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <>
      <section className="card">
        <h1>Alliance</h1>
        <p className="muted">
          Roles, rule parameters and membership change only when{" "}
          {numerator === undefined ? "…" : `${numerator} %`} of the members approve; approved
          proposals wait {delay === undefined ? "…" : formatCountdown(Number(delay))} in the
          timelock before anyone may run them. The operator keeps its day-to-day roles.
        </p>
        <p data-testid="alliance-members">
          Members ({members.length}): {members.map((m) => shortHex(m)).join(", ")}
          {address ? (member ? " · you are a member" : " · you are not a member") : ""}
        </p>
      </section>
      <section className="card">
        <h2>Pending proposals</h2>
        {open.length === 0 ? (
          <p className="muted">Nothing is waiting. Propose with `gridledger governance propose`.</p>
        ) : (
          table(open, "pending-proposals", true)
        )}
        <TxStatus state={tx.state} />
      </section>
      <section className="card">
        <h2>History</h2>
        {closed.length === 0 ? (
          <p className="muted">No proposal has been executed or defeated yet.</p>
        ) : (
          table(closed, "proposal-history", false)
        )}
      </section>
    </>
  );
}
