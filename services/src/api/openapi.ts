import { z } from "zod";
import { TraceDocumentInputSchema, TraceEventInputSchema } from "../trace/schemas.ts";
import { SignedOfferSchema } from "../dispatch/offerRelay.ts";
import { TdvaDocumentSchema } from "@gridledger/domain/tdva";
import {
  AlertsResponse,
  AnchorParams,
  DelegationBody,
  DispatchEventParams,
  ParticipantParams,
  RecordParams,
  SiweVerifyBody,
  TdvaDocumentParams,
  TraceParams,
  TraceQuery,
  EvidenceQuery,
} from "./schemas.ts";

/** Definitions hoisted out of generated schemas (OpenAPI resolves `#/...` from the document root). */
const hoisted: Record<string, unknown> = {};

const json = (schema: z.ZodType, name = "Schema"): Record<string, unknown> => {
  const generated = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  const { $schema: _drop, $defs, ...rest } = generated;
  let text = JSON.stringify(rest);
  for (const [key, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
    const target = `${name}_${key.replace(/[^A-Za-z0-9]/g, "")}`;
    hoisted[target] = JSON.parse(
      JSON.stringify(def).replaceAll(`"#/$defs/${key}"`, `"#/components/schemas/${target}"`),
    ) as unknown;
    text = text.replaceAll(`"#/$defs/${key}"`, `"#/components/schemas/${target}"`);
  }
  return JSON.parse(text) as Record<string, unknown>;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string) => ({
  required: true,
  content: { "application/json": { schema: ref(name) } },
});
const ok = (description: string, schema: Record<string, unknown> = { type: "object" }) => ({
  description,
  content: { "application/json": { schema } },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: ERROR_TEXT[s] ?? "error",
        content: { "application/json": { schema: ref("Error") } },
      },
    ]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: "malformed JSON, JSON nested deeper than API_JSON_DEPTH, path parameter or query",
  401: "no or invalid session token",
  403: "the caller lacks the needed role",
  404: "unknown id",
  409: "the id exists with other content",
  413: "request body larger than API_BODY_LIMIT",
  422: "body failed validation (issues name the fields)",
  429: "this client exceeded its per-minute limit for the route",
  502: "chain, IPFS or graph database failed",
  503: "a dependency is unavailable",
};
const bearer = [{ siwe: [] }];
/**
 * The path parameters a zod params schema validates, with the schemas generated from it (so the
 * description is exactly as strict as the route; `overrides` only for transforms zod cannot
 * describe, such as the address checksum).
 */
const pathParams = (schema: z.ZodType, overrides: Record<string, Record<string, unknown>> = {}) =>
  Object.entries((json(schema).properties ?? {}) as Record<string, Record<string, unknown>>).map(
    ([name, generated]) => ({
      name,
      in: "path",
      required: true,
      schema: overrides[name] ?? generated,
    }),
  );

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 description of the REST API, with request schemas generated from the zod ones. */
export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: "3.1.0",
    info: {
      title: "GridLedger traceability API",
      version: "1.0.0",
      description:
        "Supplier traceability (paper 004): upload events and documents (stored in IPFS, linked in the graph, anchored on-chain in Merkle batches), trace products and batches, read records with an integrity verdict, and read participants' market and TDVA history indexed from the chain.",
    },
    components: {
      securitySchemes: {
        siwe: {
          type: "http",
          scheme: "bearer",
          description: "Session token from POST /v1/auth/verify (Sign-In with Ethereum).",
        },
      },
      schemas: {
        TraceEvent: json(TraceEventInputSchema, "TraceEvent"),
        TraceDocument: json(TraceDocumentInputSchema, "TraceDocument"),
        EventsUpload: {
          type: "object",
          required: ["events"],
          additionalProperties: false,
          properties: {
            events: { type: "array", minItems: 1, maxItems: 1000, items: ref("TraceEvent") },
          },
        },
        Delegation: json(DelegationBody),
        SignedOffer: json(SignedOfferSchema),
        TdvaDocument: json(TdvaDocumentSchema, "TdvaDocument"),
        TdvaDocumentUpload: {
          type: "object",
          required: ["document", "signature"],
          additionalProperties: false,
          properties: {
            document: ref("TdvaDocument"),
            signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" },
          },
        },
        SiweVerify: json(SiweVerifyBody),
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                issues: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { path: { type: "string" }, message: { type: "string" } },
                  },
                },
              },
            },
          },
        },
        ...hoisted,
        RecordReceipt: {
          type: "object",
          properties: {
            label: { enum: ["Event", "Document"] },
            id: { type: "string" },
            cid: { type: "string" },
            contentHash: { type: "string" },
            leafHash: { type: "string" },
            status: { enum: ["queued", "exists"] },
          },
        },
        VerifiedRecord: {
          type: "object",
          properties: {
            verdict: { enum: ["verified", "pending", "tampered", "missing"] },
            reasons: { type: "array", items: { type: "string" } },
            record: { type: "object" },
            document: { description: "null unless the verdict is verified or pending" },
          },
        },
      },
    },
    paths: {
      "/v1/health": {
        get: {
          summary: "Health of chain, stores, anchoring and indexer",
          responses: { 200: ok("healthy"), 503: ok("degraded") },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics (text exposition format; docs/decisions/0460)",
          responses: {
            200: {
              description: "metrics",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            ...errors(503),
          },
        },
      },
      "/v1/alerts": {
        get: {
          summary: "In-process alerts: firing ones, then the recently resolved ones",
          parameters: [
            {
              name: "status",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["all", "firing", "resolved"], default: "all" },
            },
          ],
          responses: {
            200: ok("alerts", json(AlertsResponse, "Alerts")),
            ...errors(400, 401, 503),
          },
        },
      },
      "/v1/auth/nonce": {
        get: {
          summary: "A single-use SIWE nonce (valid five minutes; rate-limited per client)",
          responses: { 200: ok("nonce, expiresAt"), ...errors(429) },
        },
      },
      "/v1/auth/siwe": {
        get: {
          summary: "The SIWE domain and URI origin a sign-in message must name on this server",
          responses: { 200: ok("domain, uri") },
        },
      },
      "/v1/auth/verify": {
        post: {
          summary: "Sign in with a signed EIP-4361 message; returns a session token",
          requestBody: body("SiweVerify"),
          responses: {
            200: ok("session token, address and on-chain roles"),
            ...errors(400, 401, 413, 422, 429, 503),
          },
        },
      },
      "/v1/auth/session": {
        get: {
          summary: "The caller's address and roles",
          security: bearer,
          responses: { 200: ok("session"), ...errors(401) },
        },
      },
      "/v1/trace/events": {
        post: {
          summary: "Upload traceability events (stored, graph-linked, queued for anchoring)",
          security: bearer,
          requestBody: body("EventsUpload"),
          responses: {
            201: ok("receipts", {
              type: "object",
              properties: { records: { type: "array", items: ref("RecordReceipt") } },
            }),
            ...errors(400, 401, 403, 409, 413, 422, 502, 503),
          },
        },
      },
      "/v1/trace/documents": {
        post: {
          summary: "Upload a document describing a product, batch, participant, location or event",
          security: bearer,
          requestBody: body("TraceDocument"),
          responses: { 201: ok("receipt"), ...errors(400, 401, 403, 404, 409, 413, 422, 502) },
        },
      },
      "/v1/delegations": {
        post: {
          summary: "Let a delegate data creator upload on the caller's behalf",
          security: bearer,
          requestBody: body("Delegation"),
          responses: { 201: ok("delegation"), ...errors(400, 401, 403, 422) },
        },
      },
      "/v1/dispatch/events/{eventId}/offers": {
        post: {
          summary:
            "Hand a provider's EIP-712 signed offer to the operator (checked: signature, event open, quote window, provider approved on the event's feeder; a replacement must be signed later than the kept offer)",
          parameters: pathParams(DispatchEventParams),
          requestBody: body("SignedOffer"),
          responses: { 201: ok("offer"), ...errors(400, 403, 404, 409, 413, 422, 429, 502) },
        },
        get: {
          summary: "The signed offers kept for an event, one per provider (for the operator)",
          parameters: pathParams(DispatchEventParams),
          responses: { 200: ok("eventId, offers"), ...errors(400, 401, 404, 502) },
        },
      },
      "/v1/dispatch/documents": {
        post: {
          summary:
            "Store (pin) a TDVA alarm, safety report or meter data document; signed by the operator over its CID (EIP-191 message tdvaDocumentMessage(cid))",
          requestBody: body("TdvaDocumentUpload"),
          responses: {
            201: ok("cid, keccak256, kind, operator"),
            ...errors(400, 403, 413, 422, 502),
          },
        },
      },
      "/v1/dispatch/documents/{cid}": {
        get: {
          summary: "A stored TDVA document by the CID its record carries on-chain",
          parameters: pathParams(TdvaDocumentParams),
          responses: {
            200: ok("the document", ref("TdvaDocument")),
            ...errors(400, 401, 404, 502),
          },
        },
      },
      "/v1/anchors/flush": {
        post: {
          summary: "Anchor every queued record now (operator)",
          security: bearer,
          responses: { 200: ok("anchored batches"), ...errors(401, 403, 502, 503) },
        },
      },
      "/v1/anchors/{id}": {
        get: {
          summary: "An anchored batch, on-chain and in the graph",
          parameters: pathParams(AnchorParams),
          responses: { 200: ok("anchor"), ...errors(400, 401, 404, 502) },
        },
      },
      "/v1/trace/{collection}/{id}": {
        get: {
          summary: "Upstream or downstream trace of a node, to a depth limit",
          parameters: [
            ...pathParams(TraceParams),
            ...Object.entries((json(TraceQuery).properties ?? {}) as Record<string, unknown>).map(
              ([name, schema]) => ({ name, in: "query", required: false, schema }),
            ),
          ],
          responses: {
            200: ok(
              "root, nodes with depth, edges, truncated; with verify=true also verification: " +
                "verdict (verified, pending, tampered), counts per edge status, recordsChecked, " +
                "problems (each tampered edge with reasons)",
            ),
            ...errors(400, 401, 404, 502),
          },
        },
      },
      "/v1/records/{collection}/{id}": {
        get: {
          summary:
            "A record with its integrity verdict (re-fetched, re-hashed, proof checked on-chain)",
          parameters: pathParams(RecordParams),
          responses: {
            200: ok("verified record", ref("VerifiedRecord")),
            ...errors(400, 401, 404, 502),
          },
        },
      },
      "/v1/participants/{address}/history": {
        get: {
          summary: "A participant's market and TDVA records (indexed from the chain)",
          parameters: pathParams(ParticipantParams, {
            address: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
          }),
          responses: { 200: ok("history"), ...errors(400, 401, 404, 502) },
        },
      },
      "/v1/participants/{address}/evidence": {
        get: {
          summary:
            "Counterparty evidence from the indexed history: four sources' masses, the Dempster fusion and the eq. (9) decision with reasons (decision 0306)",
          parameters: [
            ...pathParams(ParticipantParams, {
              address: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
            }),
            ...Object.entries(
              (json(EvidenceQuery).properties ?? {}) as Record<string, unknown>,
            ).map(([name, schema]) => ({ name, in: "query", required: false, schema })),
          ],
          responses: {
            200: ok("participant, windows, candidates, selection"),
            ...errors(400, 401, 404, 502),
          },
        },
      },
    },
  };
  return cached;
}
