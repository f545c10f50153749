import { ParticipantKindNames, type abis } from "@gridledger/protocol";
import { participant, who, type EventHandlers } from "../eventHandlers.ts";

// IParticipantRegistry.ParticipantKind in enum order, as kebab-case graph labels ("flexible-load").
const PARTICIPANT_KINDS = ParticipantKindNames.map((name) =>
  name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase(),
);

/** Participants: admission, approval or rejection, and the meters bound to them. */
export const participantRegistryHandlers = {
  ParticipantApplied: (a, ctx) => {
    ctx.node({
      ...participant(a.account),
      kind: PARTICIPANT_KINDS[a.kind] ?? "other",
      at: ctx.at,
      props: {
        status: "applied",
        renewable: a.renewable,
        feederId: a.feederId,
        busId: a.busId,
        detailsHash: a.detailsHash,
        detailsCid: a.detailsCid,
        appliedTx: ctx.txHash,
      },
    });
  },
  ParticipantApproved: (a, ctx) => {
    ctx.node({
      ...participant(a.account),
      props: { status: "approved", role: a.role, approvedTx: ctx.txHash },
    });
  },
  ParticipantRejected: (a, ctx) => {
    ctx.node({ ...participant(a.account), props: { status: "rejected", rejectedTx: ctx.txHash } });
  },
  MeterBound: (a, ctx) => {
    ctx.node({ ...participant(a.participant) });
    ctx.node({
      ...participant(a.meter),
      kind: "meter",
      props: { meterOf: who(a.participant), boundTx: ctx.txHash, revoked: false },
    });
  },
  MeterRevoked: (a, ctx) => {
    ctx.node({ ...participant(a.meter), kind: "meter", props: { revoked: true } });
  },
} satisfies EventHandlers<typeof abis.ParticipantRegistry>;
