// Facts of OpenZeppelin's Governor that the alliance contracts inherit (not in GridLedger's own
// sources, so not generated): IGovernor.ProposalState and GovernorCountingSimple's vote types.
// test/governance/Alliance.test.ts checks them against the deployed governor.

/** IGovernor.ProposalState names, in declaration order (the uint8 `state()` returns). */
export const ProposalStateNames = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof ProposalStateNames)[number];

/** GovernorCountingSimple's `support` values for castVote. */
export const VoteSupport = { Against: 0, For: 1, Abstain: 2 } as const;
