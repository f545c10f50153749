/** Labels of IParticipantRegistry.ParticipantKind, in enum order. */
export const PARTICIPANT_KINDS = [
  "Unspecified",
  "PV",
  "Wind",
  "Hydro",
  "Biomass",
  "Storage",
  "Flexible load",
  "Conventional generator",
  "Consumer",
  "Aggregator",
  "Supplier",
  "Other",
] as const;

/** Labels of IParticipantRegistry.ParticipantStatus, in enum order. */
export const PARTICIPANT_STATUS = ["None", "Applied", "Approved", "Rejected"] as const;
