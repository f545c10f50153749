import { ParticipantKindNames, ParticipantStatusNames } from "@gridledger/protocol";

/** "ConventionalGenerator" → "Conventional generator"; acronyms such as "PV" stay. */
const label = (name: string) =>
  name.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);

/** Labels of IParticipantRegistry.ParticipantKind, in enum order. */
export const PARTICIPANT_KINDS = ParticipantKindNames.map(label);

/** Labels of IParticipantRegistry.ParticipantStatus, in enum order. */
export const PARTICIPANT_STATUS = ParticipantStatusNames;
