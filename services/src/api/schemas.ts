import { z } from "zod";
import { AddressSchema, RecordIdSchema } from "../trace/schemas.ts";
import { TRACE_COLLECTIONS } from "@gridledger/domain/trace";

/** Body of POST /v1/trace/events is validated event by event by the trace service. */
export const EventsUploadBody = z.strictObject({
  events: z.array(z.unknown()).min(1).max(1_000),
});

export const DelegationBody = z.strictObject({ delegate: AddressSchema });

export const SiweVerifyBody = z.strictObject({
  message: z.string().min(1).max(4_096),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "hex signature"),
});

/** URL segment → graph label for trace roots. */
export const TRACE_LABELS = TRACE_COLLECTIONS;

export const TraceParams = z.strictObject({
  collection: z.enum(Object.keys(TRACE_LABELS) as [keyof typeof TRACE_LABELS]),
  id: z.string().min(1).max(128),
});

export const TraceQuery = z.strictObject({
  direction: z.enum(["upstream", "downstream"]).default("upstream"),
  depth: z.coerce.number().int().min(1).max(10).default(5),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** "true": check every tree edge against the records it comes from (`verification`). */
  verify: z.enum(["true", "false"]).default("false"),
});

export const RECORD_LABELS = { events: "Event", documents: "Document" } as const;

export const RecordParams = z.strictObject({
  collection: z.enum(["events", "documents"]),
  id: RecordIdSchema,
});

export const ParticipantParams = z.strictObject({ address: AddressSchema });

/** Competitors in the evidence frame: comma-separated addresses (at most 49, decision 0306). */
export const EvidenceQuery = z.strictObject({
  peers: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}(,0x[0-9a-fA-F]{40}){0,48}$/, "comma-separated addresses")
    .optional(),
});

export const DispatchEventParams = z.strictObject({
  eventId: z.string().regex(/^[1-9][0-9]{0,30}$/, "positive integer"),
});

export const TdvaDocumentParams = z.strictObject({
  cid: z.string().regex(/^b[a-z2-7]{20,120}$/, "a CIDv1 (base32)"),
});

export const AnchorParams = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]{0,30}$/, "positive integer"),
});

/** GET /v1/alerts: all listed alerts, or only the firing or the resolved ones. */
export const AlertsQuery = z.strictObject({
  status: z.enum(["all", "firing", "resolved"]).default("all"),
});

/** One alert in the GET /v1/alerts response (the in-process evaluator's view). */
export const AlertViewSchema = z.strictObject({
  name: z.string(),
  severity: z.enum(["critical", "warning", "info"]),
  summary: z.string(),
  status: z.enum(["firing", "resolved"]),
  activeSince: z.iso.datetime(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime().nullable(),
  value: z.number(),
  expr: z.string(),
});

/** The GET /v1/alerts response. */
export const AlertsResponse = z.strictObject({
  evaluatedAt: z.iso.datetime().nullable(),
  firing: z.number().int().min(0),
  alerts: z.array(AlertViewSchema),
});
