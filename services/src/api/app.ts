import express, { type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import type { Address } from "viem";
import type { z } from "zod";
import {
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import type { NodeRef } from "../graph/graphStore.ts";
import { UnknownParticipantError, participantEvidence } from "../evidence/history.ts";
import type { ApiContext, ApiRole } from "./context.ts";
import { BadRequestError, errorMiddleware, unknownRoute, type ErrorBody } from "./errors.ts";
import { assertJsonDepth } from "./jsonDepth.ts";
import { openApiDocument } from "./openapi.ts";
import {
  AlertsQuery,
  AnchorParams,
  DelegationBody,
  EventsUploadBody,
  ParticipantParams,
  RECORD_LABELS,
  RecordParams,
  SiweVerifyBody,
  TRACE_LABELS,
  TraceParams,
  TraceQuery,
  EvidenceQuery,
  DispatchEventParams,
  TdvaDocumentParams,
} from "./schemas.ts";

/** Roles that may upload traceability data (data providers, paper 004), besides delegates. */
export const WRITER_ROLES: ApiRole[] = [
  "operator",
  "supplier",
  "aggregator",
  "prosumer",
  "data-creator",
];

type Caller = { address: Address; roles: ApiRole[] };

function params<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadRequestError(
    result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    what,
  );
}

/** Express path → methods it serves (GET implies HEAD), from the OpenAPI description. */
function servedMethods(): Record<string, string[]> {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const served: Record<string, string[]> = { "/openapi.json": ["GET", "HEAD"] };
  for (const [template, operations] of Object.entries(paths)) {
    const methods = Object.keys(operations).map((m) => m.toUpperCase());
    if (methods.includes("GET")) methods.push("HEAD");
    served[template.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1")] = methods;
  }
  return served;
}

/**
 * The REST API (express 5): thin routes that validate with zod, call the trace service, the
 * graph or the chain, and answer JSON. Auth: SIWE session tokens (`Authorization: Bearer`), roles
 * looked up on-chain per request; writes need a role, reads are open or need a session
 * (`READS`). The OpenAPI 3.1 description is at /openapi.json.
 *
 * @example const app = createApp(context); app.listen(8787, "127.0.0.1")
 */
export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("trust proxy", ctx.limits.trustProxy === "false" ? false : ctx.limits.trustProxy);
  // Requests by route template (never the raw path: ids would make unbounded label sets).
  const monitor = ctx.monitor;
  if (monitor) {
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        const path = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof path === "string" ? `${req.baseUrl}${path}` : "unmatched";
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        monitor.metrics.observeRequest(req.method, route, res.statusCode, seconds);
      });
      next();
    });
  }
  app.use(
    express.json({
      limit: ctx.bodyLimit,
      strict: true,
      verify: (_req, _res, raw) => assertJsonDepth(raw, ctx.limits.jsonDepth),
    }),
  );
  // Per-client windows (IPv6 clients by /56), so one client's flood leaves everyone else alone.
  const perMinute = (limit: number, what: string) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      handler: (_req, res) => {
        const body: ErrorBody = {
          error: { code: "rate_limited", message: `too many ${what}: at most ${limit} a minute` },
        };
        res.status(429).json(body);
      },
    });

  const caller = async (req: Request): Promise<Caller | undefined> => {
    const session = ctx.sessions.authenticate(req.header("authorization"));
    if (!session) return undefined;
    return { address: session.address, roles: await ctx.rolesOf(session.address) };
  };
  const requireRole =
    (roles: ApiRole[]) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const who = await caller(req);
      if (!who)
        throw new UnauthorizedError("sign in first (SIWE: /v1/auth/nonce, /v1/auth/verify)");
      if (!who.roles.some((r) => roles.includes(r))) {
        throw new ForbiddenError(`needs one of the roles ${roles.join(", ")}`, {
          details: `${who.address} holds ${who.roles.join(", ") || "no role"}`,
        });
      }
      res.locals.caller = who;
      next();
    };
  const readAccess = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const who = await caller(req);
    if (ctx.reads === "authenticated" && !who) {
      throw new UnauthorizedError("reads need a session on this server (READS=authenticated)");
    }
    res.locals.caller = who;
    next();
  };
  const me = (res: Response): Caller => res.locals.caller as Caller;

  app.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument());
  });

  app.get("/v1/health", async (_req, res) => {
    const checks = await ctx.checks();
    const indexer = ctx.indexer?.status() ?? null;
    // A deep reorg stops the indexer: the graph's chain records can no longer be trusted.
    const ok = Object.values(checks).every((c) => c.ok) && !indexer?.reorg;
    res.status(ok ? 200 : 503).json({
      status: ok ? "ok" : "degraded",
      chainId: ctx.chainId,
      checks,
      anchoring: { pending: ctx.batcher.pending, lastError: ctx.batcher.lastError ?? null },
      indexer,
    });
  });

  // Monitoring: Prometheus text format, and the in-process alerts (docs/decisions/0460).
  const needMonitor = () => {
    if (!ctx.monitor) throw new UnavailableError("monitoring is not run by this process");
    return ctx.monitor;
  };
  app.get("/metrics", async (_req, res) => {
    const m = needMonitor();
    // A failed chain read leaves the gauges at their last values; the scrape still answers.
    await m.refresh().catch((error: unknown) => {
      ctx.logger?.warn({ err: error }, "metrics refresh failed; serving the last values");
    });
    res.type(m.metrics.registry.contentType).send(await m.metrics.registry.metrics());
  });
  app.get("/v1/alerts", readAccess, (req, res) => {
    const q = params(AlertsQuery, req.query, "query");
    const view = needMonitor().alerts();
    res.json({
      ...view,
      alerts: q.status === "all" ? view.alerts : view.alerts.filter((a) => a.status === q.status),
    });
  });

  // Sign-In with Ethereum
  app.get("/v1/auth/nonce", perMinute(ctx.limits.noncePerMin, "nonce requests"), (_req, res) => {
    res.json(ctx.sessions.issueNonce());
  });
  app.post(
    "/v1/auth/verify",
    perMinute(ctx.limits.signInPerMin, "sign-in attempts"),
    async (req, res) => {
      const body = parseWith(SiweVerifyBody, req.body, "sign-in");
      const session = await ctx.sessions.signIn(body.message, body.signature as `0x${string}`);
      res.json({ ...session, roles: await ctx.rolesOf(session.address) });
    },
  );
  app.get("/v1/auth/siwe", (_req, res) => {
    res.json(ctx.sessions.expected);
  });
  app.get("/v1/auth/session", async (req, res) => {
    const who = await caller(req);
    if (!who) throw new UnauthorizedError("no session");
    res.json(who);
  });

  // Uploads (data providers and their delegates)
  app.post("/v1/trace/events", requireRole(WRITER_ROLES), async (req, res) => {
    const body = parseWith(EventsUploadBody, req.body, "upload");
    const who = me(res);
    const records = await ctx.trace.recordEvents(body.events, {
      address: who.address,
      isOperator: who.roles.includes("operator"),
    });
    res.status(201).json({ records, pendingAnchors: ctx.batcher.pending });
  });
  app.post("/v1/trace/documents", requireRole(WRITER_ROLES), async (req, res) => {
    const who = me(res);
    const record = await ctx.trace.recordDocument(req.body, {
      address: who.address,
      isOperator: who.roles.includes("operator"),
    });
    res.status(201).json({ record, pendingAnchors: ctx.batcher.pending });
  });
  app.post(
    "/v1/delegations",
    requireRole(["operator", "supplier", "aggregator", "prosumer"]),
    async (req, res) => {
      const body = parseWith(DelegationBody, req.body, "delegation");
      await ctx.trace.delegate(me(res).address, body.delegate);
      res.status(201).json({ provider: me(res).address.toLowerCase(), delegate: body.delegate });
    },
  );

  // Anchoring
  app.post("/v1/anchors/flush", requireRole(["operator"]), async (_req, res) => {
    const batches = await ctx.batcher.flush();
    res.json({ batches, pending: ctx.batcher.pending });
  });
  // "flush" is a path of its own (POST only): GET /v1/anchors/flush gets 405, not a 400 for the id.
  const notFlush = (req: Request, _res: Response, next: NextFunction): void =>
    next(req.params.id === "flush" ? "route" : undefined);
  app.get("/v1/anchors/:id", notFlush, readAccess, async (req, res) => {
    const { id } = params(AnchorParams, req.params, "path");
    const [onChain, node] = await Promise.all([
      ctx.anchors.getAnchor(BigInt(id)),
      ctx.graph.getNode({ label: "Anchor", id }),
    ]);
    if (!onChain) throw new NotFoundError(`anchor ${id} not found on-chain`);
    res.json({
      id,
      contract: ctx.anchors.address,
      onChain: { ...onChain, recordCount: onChain.recordCount.toString() },
      graph: node ?? null,
    });
  });

  // Reads
  app.get("/v1/trace/:collection/:id", readAccess, async (req, res) => {
    const p = params(TraceParams, req.params, "path");
    const q = params(TraceQuery, req.query, "query");
    const label = TRACE_LABELS[p.collection];
    const id = label === "Participant" ? p.id.toLowerCase() : p.id;
    const ref: NodeRef = { label, id };
    res.json({
      direction: q.direction,
      depth: q.depth,
      ...(q.verify === "true"
        ? await ctx.trace.verifiedTrace(ref, q.direction, q.depth, q.limit)
        : await ctx.trace.trace(ref, q.direction, q.depth, q.limit)),
    });
  });
  app.get("/v1/records/:collection/:id", readAccess, async (req, res) => {
    const p = params(RecordParams, req.params, "path");
    res.json(await ctx.trace.getRecord(RECORD_LABELS[p.collection], p.id));
  });
  app.get("/v1/participants/:address/history", readAccess, async (req, res) => {
    const { address } = params(ParticipantParams, req.params, "path");
    const history = await ctx.graph.history.ofParticipant(address);
    if (!history) throw new NotFoundError(`participant ${address} not found`);
    res.json(history);
  });
  app.get("/v1/participants/:address/evidence", readAccess, async (req, res) => {
    const { address } = params(ParticipantParams, req.params, "path");
    const q = params(EvidenceQuery, req.query, "query");
    try {
      res.json(
        await participantEvidence(ctx.graph, address, q.peers?.split(",") ?? [], {
          outages: ctx.outages,
        }),
      );
    } catch (error) {
      if (error instanceof UnknownParticipantError) throw new NotFoundError(error.message);
      throw error;
    }
  });

  // TDVA offers: providers hand signed offers to the operator through the API (the signature is
  // the provider's authentication: the relay takes only offers that recover to their provider).
  app.post(
    "/v1/dispatch/events/:eventId/offers",
    perMinute(ctx.limits.offersPerMin, "offers"),
    async (req, res) => {
      const { eventId } = params(DispatchEventParams, req.params, "path");
      res.status(201).json({ offer: await ctx.offers.submit(BigInt(eventId), req.body) });
    },
  );
  app.get("/v1/dispatch/events/:eventId/offers", readAccess, async (req, res) => {
    const { eventId } = params(DispatchEventParams, req.params, "path");
    res.json({ eventId, offers: await ctx.offers.list(BigInt(eventId)) });
  });
  // TDVA documents: the operator stores the alarm, safety report and meter data here before the
  // transaction that records their CID (authenticated by a signature over that CID).
  app.post("/v1/dispatch/documents", async (req, res) => {
    res.status(201).json(await ctx.tdvaDocuments.upload(req.body));
  });
  app.get("/v1/dispatch/documents/:cid", readAccess, async (req, res) => {
    const { cid } = params(TdvaDocumentParams, req.params, "path");
    // A string of the CID alphabet that does not decode is a bad path parameter (400), as for ids.
    const document = await ctx.tdvaDocuments.get(cid).catch((error: unknown) => {
      throw error instanceof ValidationError ? new BadRequestError(error.issues, "path") : error;
    });
    res.json(document);
  });

  // A known path asked with a method it does not serve: 405 with Allow (RFC 9110 §15.5.6), the
  // methods taken from the OpenAPI description; OPTIONS answers 204 with the same Allow.
  for (const [route, methods] of Object.entries(servedMethods())) {
    const allow = methods.join(", ");
    app.all(route, (req, res) => {
      res.setHeader("Allow", allow);
      if (req.method === "OPTIONS") {
        res.status(204).end();
        return;
      }
      const body: ErrorBody = {
        error: {
          code: "method_not_allowed",
          message: `${req.method} is not served on ${req.path}; allowed: ${allow}`,
        },
      };
      res.status(405).json(body);
    });
  }

  app.use(unknownRoute);
  app.use(errorMiddleware(ctx.logger));
  return app;
}
