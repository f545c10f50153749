import { getAddress, type Address } from "viem";
import { z } from "zod";

/** Ids of events, documents, products, batches and locations: 1-128 URL-safe characters. */
export const RecordIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "1-128 characters of A-Z a-z 0-9 . _ : -");

/** An Ethereum address in any case; parsed to its lower-case form (graph ids are lower case). */
export const AddressSchema = z.string().transform((value, ctx): Address => {
  try {
    return getAddress(value).toLowerCase() as Address;
  } catch {
    ctx.addIssue({ code: "custom", message: "not an Ethereum address" });
    return z.NEVER;
  }
});

/** Any JSON value (documents carry free-form attributes and content). */
export const JsonValueSchema: z.ZodType<unknown> = z.json();

/** Event types of the traceability model (004): what happened to a batch. */
export const EVENT_TYPES = [
  "produced",
  "shipped",
  "received",
  "inspected",
  "installed",
  "assembled",
  "transformed",
  "repaired",
  "recycled",
] as const;

const NamedRefSchema = z.strictObject({
  id: RecordIdSchema,
  name: z.string().min(1).max(200).optional(),
});

/**
 * A traceability event as uploaded: who did what to which batches, when and where.
 * `inputs` are consumed batches, `outputs` produced ones; every input batch must already be
 * known (or be an output of an earlier event in the same upload).
 */
export const TraceEventInputSchema = z
  .strictObject({
    id: RecordIdSchema.optional(),
    type: z.enum(EVENT_TYPES),
    at: z.iso.datetime({ offset: true }),
    actor: AddressSchema,
    location: NamedRefSchema.optional(),
    product: NamedRefSchema.optional(),
    inputs: z.array(RecordIdSchema).max(100).default([]),
    outputs: z.array(RecordIdSchema).max(100).default([]),
    attributes: z.record(z.string().max(100), JsonValueSchema).optional(),
  })
  .refine((e) => e.inputs.length + e.outputs.length > 0, {
    message: "an event concerns at least one batch (inputs or outputs)",
    path: ["outputs"],
  });
export type TraceEventInput = z.input<typeof TraceEventInputSchema>;

/** Labels a document may describe. */
export const DOCUMENT_SUBJECT_LABELS = [
  "Product",
  "Batch",
  "Participant",
  "Location",
  "Event",
] as const;

/** A document (certificate, inspection report, measurement...) attached to a graph node. */
export const TraceDocumentInputSchema = z.strictObject({
  id: RecordIdSchema.optional(),
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "lower-case word, e.g. certificate"),
  title: z.string().min(1).max(200).optional(),
  subject: z.strictObject({
    label: z.enum(DOCUMENT_SUBJECT_LABELS),
    id: z.string().min(1).max(128),
  }),
  /** The data provider the document belongs to, when the uploader is its delegate data creator. */
  onBehalfOf: AddressSchema.optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  content: JsonValueSchema,
});
export type TraceDocumentInput = z.input<typeof TraceDocumentInputSchema>;

/** The stored (canonical, fingerprinted) form of an event. */
export const StoredEventSchema = z.strictObject({
  schema: z.literal("gridledger.trace.event/1"),
  id: RecordIdSchema,
  type: z.enum(EVENT_TYPES),
  at: z.string(),
  actor: z.string(),
  uploader: z.string(),
  location: NamedRefSchema.optional(),
  product: NamedRefSchema.optional(),
  inputs: z.array(RecordIdSchema),
  outputs: z.array(RecordIdSchema),
  attributes: z.record(z.string(), JsonValueSchema).optional(),
});
export type StoredEvent = z.infer<typeof StoredEventSchema>;

/** The stored (canonical, fingerprinted) form of a document. */
export const StoredDocumentSchema = z.strictObject({
  schema: z.literal("gridledger.trace.document/1"),
  id: RecordIdSchema,
  kind: z.string(),
  title: z.string().optional(),
  subject: z.strictObject({ label: z.enum(DOCUMENT_SUBJECT_LABELS), id: z.string() }),
  provider: z.string(),
  uploader: z.string(),
  at: z.string(),
  content: JsonValueSchema,
});
export type StoredDocument = z.infer<typeof StoredDocumentSchema>;

/** Either kind of anchored trace record. */
export type StoredRecord = StoredEvent | StoredDocument;

/** Graph labels whose nodes are fingerprinted and anchored records. */
export type RecordLabel = "Event" | "Document";
