import { randomUUID } from "node:crypto";
import type { Address, Hex } from "viem";
import { z } from "zod";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from "@gridledger/domain/errors";
import { canonicalBytes, fingerprintBytes } from "@gridledger/domain/fingerprint";
import { parseWith } from "@gridledger/domain/validate";
import {
  GraphNodeNotFoundError,
  type GraphEdge,
  type GraphNode,
  type GraphStore,
  type NodeRef,
  type TraceDirection,
  type TraceResult,
} from "../graph/graphStore.ts";
import {
  ContentIntegrityError,
  ContentNotFoundError,
  type ContentStore,
} from "../storage/contentStore.ts";
import type { AnchorBatcher, AnchorChain, QueuedLeaf } from "./anchorBatcher.ts";
import type { EdgeType } from "../graph/model.ts";
import { leafHashOf } from "./leaf.ts";
import { edgeKey, projectDocument, projectEvent, type Projection } from "./projection.ts";
import {
  StoredDocumentSchema,
  StoredEventSchema,
  TraceDocumentInputSchema,
  TraceEventInputSchema,
  type RecordLabel,
  type StoredDocument,
  type StoredEvent,
  type StoredRecord,
} from "./schemas.ts";

/** Who is writing: the signed-in account and whether it holds the operator role. */
export type Uploader = { address: Address; isOperator: boolean };

/** What an upload returns per record. */
export type RecordReceipt = {
  label: RecordLabel;
  id: string;
  cid: string;
  contentHash: Hex;
  leafHash: Hex;
  /** queued: stored, graph-linked and waiting for its batch; exists: the same record was there. */
  status: "queued" | "exists";
};

/**
 * Integrity verdict of a read: verified (content, graph and on-chain proof agree), pending (content
 * and graph agree, not anchored yet), tampered (something disagrees: see reasons), missing (the
 * content is gone from the store).
 */
export type Verdict = "verified" | "pending" | "tampered" | "missing";

export type VerifiedRecord = {
  verdict: Verdict;
  reasons: string[];
  record: {
    label: RecordLabel;
    id: string;
    cid: string | null;
    contentHash: Hex | null;
    leafHash: string | null;
    anchorId: string | null;
    proof: string[] | null;
  };
  /** The document, only when its verdict is verified or pending: tampered data is never served. */
  document: StoredRecord | null;
};

/** What a record check found (the document only when it could be read and parsed). */
type CheckedRecord = {
  verdict: Verdict;
  reasons: string[];
  contentHash: Hex | null;
  document: StoredRecord | null;
};

/**
 * Integrity of a trace: each tree edge is verified (stated by an anchored record that checks out),
 * pending (stated by an intact record not anchored yet), tampered (no intact record states it;
 * listed in `problems`), or not from records (edge types trace records never create).
 */
export type TraceVerification = {
  verdict: "verified" | "pending" | "tampered";
  counts: { verified: number; pending: number; tampered: number; notFromRecords: number };
  /** Trace records read and checked (content, leaf, proof). */
  recordsChecked: number;
  /** Every tampered edge (type|from|to) with the reasons. */
  problems: { edge: string; reasons: string[] }[];
};

const ProofSchema = z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/)).max(64);

/** Serialises writes so id checks and graph updates of concurrent uploads never interleave. */
class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.catch(() => undefined).then(fn);
    this.#tail = next;
    return next;
  }
}

/**
 * Supplier traceability (paper 004): uploads become canonical JSON documents in the content store,
 * nodes and edges in the graph (with CID and leaf hash) and entries in the anchoring queue; reads
 * re-fetch, re-hash and check the proof against the on-chain root before anything is served.
 *
 * @example
 *   const trace = new TraceService({ graph, content, chain, batcher })
 *   const [receipt] = await trace.recordEvents([{ type: "produced", ... }], uploader)
 *   const read = await trace.getRecord("Event", receipt.id) // read.verdict === "pending"
 */
export class TraceService {
  readonly #graph: GraphStore;
  readonly #content: ContentStore;
  readonly #chain: AnchorChain;
  readonly #batcher: AnchorBatcher;
  readonly #lock = new WriteLock();
  /** Participants, locations, products and batches known to exist (a bounded cache). */
  readonly #known = new Set<string>();

  constructor(deps: {
    graph: GraphStore;
    content: ContentStore;
    chain: AnchorChain;
    batcher: AnchorBatcher;
  }) {
    this.#graph = deps.graph;
    this.#content = deps.content;
    this.#chain = deps.chain;
    this.#batcher = deps.batcher;
  }

  /**
   * Stores, graph-links and queues traceability events (one upload may carry many; they are
   * checked in order, so a later event may consume a batch an earlier one produced).
   */
  recordEvents(inputs: readonly unknown[], uploader: Uploader): Promise<RecordReceipt[]> {
    return this.#lock.run(async () => {
      const docs: StoredEvent[] = inputs.map((input, i) => {
        const parsed = TraceEventInputSchema.safeParse(input);
        if (!parsed.success) {
          throw new ValidationError(
            parsed.error.issues.map((issue) => ({
              path: ["events", i, ...issue.path].map(String).join("."),
              message: issue.message,
            })),
            "upload",
          );
        }
        const e = parsed.data;
        return {
          schema: "gridledger.trace.event/1",
          id: e.id ?? `evt-${randomUUID()}`,
          type: e.type,
          at: new Date(e.at).toISOString(),
          actor: e.actor,
          uploader: uploader.address.toLowerCase(),
          ...(e.location ? { location: e.location } : {}),
          ...(e.product ? { product: e.product } : {}),
          inputs: e.inputs,
          outputs: e.outputs,
          ...(e.attributes ? { attributes: e.attributes } : {}),
        } satisfies StoredEvent;
      });
      const delegationCache = new Map<string, boolean>();
      // Two queries per upload instead of several per event: which ids exist, which inputs exist.
      const existingCids = await this.#graph.records.cidsOf(
        "Event",
        docs.map((d) => d.id),
      );
      const knownBatches = new Set(
        (
          await this.#graph.records.cidsOf(
            "Batch",
            docs.flatMap((d) => d.inputs),
          )
        ).keys(),
      );
      const producedHere = new Set<string>();
      const seenIds = new Set<string>();
      const fresh: StoredEvent[] = [];
      const receipts: RecordReceipt[] = [];
      for (const [i, doc] of docs.entries()) {
        await this.#checkMayActFor(doc.actor, uploader, delegationCache);
        if (seenIds.has(doc.id)) {
          throw new ValidationError([
            { path: `events.${i}.id`, message: "repeated in this upload" },
          ]);
        }
        seenIds.add(doc.id);
        if (existingCids.has(doc.id)) {
          const fp = await fingerprintBytes(canonicalBytes(doc));
          if (existingCids.get(doc.id) !== fp.cid) {
            throw new ConflictError(`event ${doc.id} exists with different content`);
          }
          // An earlier upload that failed after its graph write left the node without content:
          // the same upload again stores it (nothing else is needed, the node already matches).
          if (!(await this.#content.has(fp.cid))) await this.#content.putJson(doc, { pin: true });
          receipts.push(receiptOf("Event", doc.id, fp, "exists"));
          continue;
        }
        for (const [j, input] of doc.inputs.entries()) {
          if (!producedHere.has(input) && !knownBatches.has(input)) {
            throw new ValidationError([
              { path: `events.${i}.inputs.${j}`, message: `unknown batch ${input}` },
            ]);
          }
        }
        for (const o of doc.outputs) producedHere.add(o);
        fresh.push(doc);
      }
      receipts.push(...(await this.#persist("Event", fresh, projectEvent)));
      return receipts;
    });
  }

  /** Stores, graph-links and queues a document describing an existing node. */
  recordDocument(input: unknown, uploader: Uploader): Promise<RecordReceipt> {
    return this.#lock.run(async () => {
      const d = parseWith(TraceDocumentInputSchema, input, "document");
      const provider = d.onBehalfOf ?? uploader.address.toLowerCase();
      await this.#checkMayActFor(provider, uploader, new Map());
      const doc: StoredDocument = {
        schema: "gridledger.trace.document/1",
        id: d.id ?? `doc-${randomUUID()}`,
        kind: d.kind,
        ...(d.title ? { title: d.title } : {}),
        subject: d.subject,
        provider,
        uploader: uploader.address.toLowerCase(),
        at: new Date(d.at ?? Date.now()).toISOString(),
        content: d.content,
      };
      const subject = { label: d.subject.label, id: d.subject.id } as NodeRef;
      if (!(await this.#graph.getNode(subject))) {
        throw new NotFoundError(`subject ${subject.label} ${subject.id} not found`);
      }
      const existing = await this.#graph.getNode({ label: "Document", id: doc.id });
      if (existing) throw new ConflictError(`document ${doc.id} exists`);
      const [receipt] = await this.#persist("Document", [doc], projectDocument);
      if (!receipt) throw new UpstreamError("document was not stored");
      return receipt;
    });
  }

  /** Lets `delegate` upload on behalf of `provider` (paper 004's delegate data creator). */
  async delegate(provider: Address, delegate: Address): Promise<void> {
    const from: NodeRef = { label: "Participant", id: provider.toLowerCase() };
    const to: NodeRef = { label: "Participant", id: delegate.toLowerCase() };
    await this.#graph.upsertNodes([from, to]);
    await this.#graph.addEdge({ type: "DELEGATES", from, to });
  }

  /** Upstream or downstream trace of a product, batch or other node, to `maxDepth` edges. */
  async trace(
    ref: NodeRef,
    direction: TraceDirection,
    maxDepth: number,
    limit = 10_000,
  ): Promise<TraceResult> {
    if (!(await this.#graph.getNode(ref))) {
      throw new NotFoundError(`${ref.label} ${ref.id} not found`);
    }
    return this.#graph.trace(ref, { direction, maxDepth, limit });
  }

  /**
   * Verified read: re-fetches the record from the content store, re-hashes it, compares the graph
   * node and its edges with the document, and asks the DataAnchor contract whether the stored
   * proof leads from the recomputed leaf to the anchored root.
   */
  async getRecord(label: RecordLabel, id: string): Promise<VerifiedRecord> {
    const node = await this.#graph.getNode({ label, id });
    if (!node) throw new NotFoundError(`${label} ${id} not found`);
    const checked = await this.#checkRecord(label, id, node, async (doc, reasons) => {
      const projection =
        label === "Event"
          ? projectEvent(doc as StoredEvent)
          : projectDocument(doc as StoredDocument);
      reasons.push(...compareNode(projection.node, node));
      reasons.push(...(await this.#compareEdges(projection)));
    });
    return {
      verdict: checked.verdict,
      reasons: checked.reasons,
      record: {
        label,
        id,
        cid: node.cid ?? null,
        contentHash: checked.contentHash,
        leafHash: node.leafHash ?? null,
        anchorId: node.anchorId ?? null,
        proof: node.proof ?? null,
      },
      document: checked.verdict === "tampered" ? null : checked.document,
    };
  }

  /**
   * Upstream or downstream trace whose every tree edge is checked against the records it comes
   * from: an edge a trace record creates (PERFORMED, HOSTS, CONCERNS, HAS_BATCH, FLOWS_TO,
   * SUPPLIES, DESCRIBES, UPLOADED) must be stated by a record whose content hashes to its CID and
   * leaf and whose proof leads to the anchored root. An edge no intact record states (one added to
   * the graph behind the service's back) makes the trace tampered. Edge types records never
   * create (from the chain indexer, NEXT, DELEGATES, ANCHORED_IN) are counted, not judged.
   */
  async verifiedTrace(
    ref: NodeRef,
    direction: TraceDirection,
    maxDepth: number,
    limit = 10_000,
  ): Promise<TraceResult & { verification: TraceVerification }> {
    const result = await this.trace(ref, direction, maxDepth, limit);
    const records = new Map<string, Promise<CheckedRecord | undefined>>();
    const check = (label: RecordLabel, id: string) => {
      const key = `${label}:${id}`;
      let pending = records.get(key);
      if (!pending) {
        pending = this.#graph
          .getNode({ label, id })
          .then((node) => (node ? this.#checkRecord(label, id, node) : undefined));
        records.set(key, pending);
      }
      return pending;
    };
    const counts = { verified: 0, pending: 0, tampered: 0, notFromRecords: 0 };
    const problems: TraceVerification["problems"] = [];
    const claimants: ({ label: RecordLabel; id: string }[] | undefined)[] = [];
    for (const edge of result.edges) claimants.push(await this.#claimantsOf(edge));
    // Read the first candidate of every edge ahead, eight at a time: content reads and proof
    // checks overlap, and a record behind several edges (an event's PERFORMED, HOSTS and
    // CONCERNS) is read once. Further candidates are read only when the first does not do.
    const first = [
      ...new Map(
        claimants.flatMap((c) => (c?.[0] ? [[`${c[0].label}:${c[0].id}`, c[0]]] : [])),
      ).values(),
    ];
    for (let i = 0; i < first.length; i += 8) {
      await Promise.all(first.slice(i, i + 8).map((c) => check(c.label, c.id)));
    }
    for (const [i, edge] of result.edges.entries()) {
      const candidates = claimants[i];
      if (candidates === undefined) {
        counts.notFromRecords++;
        continue;
      }
      const reasons: string[] = [];
      let status: "verified" | "pending" | undefined;
      for (const c of candidates) {
        const record = await check(c.label, c.id);
        if (!record) continue;
        if (record.verdict === "tampered" || record.verdict === "missing") {
          reasons.push(`${c.label} ${c.id}: ${record.reasons.join("; ")}`);
          continue;
        }
        const projection =
          c.label === "Event"
            ? projectEvent(record.document as StoredEvent)
            : projectDocument(record.document as StoredDocument);
        if (!projection.edges.some((e) => edgeKey(e) === edgeKey(edge))) continue;
        status = record.verdict;
        if (status === "verified") break;
      }
      if (status) {
        counts[status]++;
      } else {
        counts.tampered++;
        if (reasons.length === 0) reasons.push("no record states this edge");
        problems.push({ edge: edgeKey(edge), reasons });
      }
    }
    const verdict = counts.tampered > 0 ? "tampered" : counts.pending > 0 ? "pending" : "verified";
    return {
      ...result,
      verification: { verdict, counts, recordsChecked: records.size, problems },
    };
  }

  /**
   * Records that may state `edge` (the record at one of its ends, or, for edges between batches,
   * products and suppliers, the events that produced the batch or the product's batches);
   * undefined for edge types no trace record creates.
   */
  async #claimantsOf(edge: GraphEdge): Promise<{ label: RecordLabel; id: string }[] | undefined> {
    const { type, from, to } = edge;
    if ((type === "PERFORMED" || type === "HOSTS") && to.label === "Event") {
      return [{ label: "Event", id: to.id }];
    }
    if (type === "CONCERNS") return [{ label: "Event", id: from.id }];
    if (type === "DESCRIBES") return [{ label: "Document", id: from.id }];
    if (type === "UPLOADED") return [{ label: "Document", id: to.id }];
    let ids: string[];
    if (type === "FLOWS_TO" || type === "HAS_BATCH") {
      ids = await this.#graph.records.eventsConcerningBatch(to.id);
    } else if (type === "SUPPLIES") {
      ids = await this.#graph.records.supplyEvents(from.id, to.id);
    } else {
      return undefined;
    }
    return ids.map((id) => ({ label: "Event" as const, id }));
  }

  /**
   * The checks every read shares: content present and hashing to the node's CID, a stored record
   * of the right kind and id, leaf hash as in the graph, and (when anchored) the on-chain proof.
   * `compareGraph` adds the checks of the node and edges against the document.
   */
  async #checkRecord(
    label: RecordLabel,
    id: string,
    node: GraphNode,
    compareGraph?: (doc: StoredRecord, reasons: string[]) => Promise<void>,
  ): Promise<CheckedRecord> {
    const reasons: string[] = [];
    const out = (verdict: Verdict, contentHash: Hex | null = null, document = null) => ({
      verdict,
      reasons,
      contentHash,
      document,
    });
    if (!node.cid) {
      reasons.push("graph node has no CID");
      return out("tampered");
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.#content.getBytes(node.cid);
    } catch (error) {
      if (error instanceof ContentIntegrityError) {
        reasons.push(`content store block does not hash to its CID ${node.cid}`);
        return out("tampered");
      }
      if (error instanceof ContentNotFoundError) {
        reasons.push(`content ${node.cid} is not in the content store`);
        return out("missing");
      }
      throw error;
    }
    const fp = await fingerprintBytes(bytes);
    if (fp.cid !== node.cid) {
      reasons.push(`content fetched for ${node.cid} hashes to ${fp.cid}`);
      return out("tampered", fp.keccak256);
    }
    const doc = parseStored(label, bytes, reasons);
    if (!doc) return out("tampered", fp.keccak256);
    if (doc.id !== id) reasons.push(`document id ${doc.id} differs from the graph id ${id}`);
    const leaf = leafHashOf(fp.keccak256);
    if (node.leafHash !== leaf) reasons.push("graph leafHash differs from the content's leaf hash");
    await compareGraph?.(doc, reasons);

    let verdict: Verdict;
    if (node.anchorId === undefined || node.anchorId === null) {
      if (node.proof && node.proof.length > 0) reasons.push("graph holds a proof but no anchor id");
      verdict = reasons.length > 0 ? "tampered" : "pending";
    } else {
      const anchorId = /^[0-9]{1,78}$/.test(node.anchorId) ? BigInt(node.anchorId) : undefined;
      const proof = ProofSchema.safeParse(node.proof ?? []);
      if (anchorId === undefined || !proof.success) {
        reasons.push("graph anchor id or proof is malformed");
      } else if (!(await this.#chain.verify(anchorId, leaf, proof.data as Hex[]))) {
        reasons.push(`proof does not lead to the root anchored on-chain under anchor ${anchorId}`);
      }
      verdict = reasons.length > 0 ? "tampered" : "verified";
    }
    return { verdict, reasons, contentHash: fp.keccak256, document: doc };
  }

  async #checkMayActFor(
    principal: string,
    uploader: Uploader,
    cache: Map<string, boolean>,
  ): Promise<void> {
    const me = uploader.address.toLowerCase();
    if (principal === me || uploader.isOperator) return;
    let allowed = cache.get(principal);
    if (allowed === undefined) {
      const delegates = await this.#graph
        .neighbours(
          { label: "Participant", id: principal },
          { direction: "out", edgeTypes: ["DELEGATES"] },
        )
        .catch((error: unknown) => {
          if (error instanceof GraphNodeNotFoundError) return [];
          throw error;
        });
      allowed = delegates.some((n) => n.node.id === me);
      cache.set(principal, allowed);
    }
    if (!allowed) {
      throw new ForbiddenError(`${me} may not upload on behalf of ${principal}`, {
        details: "the data provider must delegate to this account first (POST /v1/delegations)",
      });
    }
  }

  async #persist<D extends StoredRecord>(
    label: RecordLabel,
    docs: readonly D[],
    project: (doc: D) => Projection,
  ): Promise<RecordReceipt[]> {
    if (docs.length === 0) return [];
    const receipts: RecordReceipt[] = [];
    const recordNodes: GraphNode[] = [];
    const others: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    // Fingerprints are computed here, so the graph writes need not wait for the content store:
    // both run at once, and the upload returns only when both are done (stored, pinned AND
    // linked). Pinning is part of the upload, not a background queue that could fall behind.
    const fingerprinted = await Promise.all(
      docs.map(async (doc) => ({ doc, fp: await fingerprintBytes(canonicalBytes(doc)) })),
    );
    for (const { doc, fp } of fingerprinted) {
      const p = project(doc);
      recordNodes.push({ ...p.node, cid: fp.cid, leafHash: leafHashOf(fp.keccak256) });
      others.push(...p.others);
      edges.push(...p.edges);
      receipts.push(receiptOf(label, doc.id, fp, "queued"));
    }
    const stored = (async () => {
      const CHUNK = 64;
      for (let start = 0; start < fingerprinted.length; start += CHUNK) {
        await Promise.all(
          fingerprinted.slice(start, start + CHUNK).map(async ({ doc, fp }) => {
            const put = await this.#content.putJson(doc, { pin: true });
            if (put.cid !== fp.cid) {
              throw new UpstreamError(`content store returned CID ${put.cid}, expected ${fp.cid}`);
            }
          }),
        );
      }
    })();
    // Never leave the store's promise unobserved if a graph write throws first.
    stored.catch(() => undefined);
    // Bare references (id only) to nodes this service already wrote need no write again.
    const needed = dedupe(others).filter(
      (n) => !this.#known.has(`${n.label}:${n.id}`) || hasFields(n),
    );
    await this.#graph.upsertSubgraph([...needed, ...recordNodes], edges);
    await stored;
    if (this.#known.size > 200_000) this.#known.clear();
    for (const n of others) this.#known.add(`${n.label}:${n.id}`);
    const now = Date.now();
    this.#batcher.enqueue(
      receipts.map((r): QueuedLeaf => ({
        label,
        id: r.id,
        cid: r.cid,
        leafHash: r.leafHash,
        queuedAt: now,
      })),
    );
    return receipts;
  }

  async #compareEdges(projection: Projection): Promise<string[]> {
    const reasons: string[] = [];
    const self = projection.node;
    const expectedIncident = new Set<string>();
    const expectedOther: GraphEdge[] = [];
    for (const e of projection.edges) {
      const incident =
        (e.from.label === self.label && e.from.id === self.id) ||
        (e.to.label === self.label && e.to.id === self.id);
      if (incident) {
        expectedIncident.add(edgeKey(e));
      } else expectedOther.push(e);
    }
    // Edge types a record's document fully determines (documents attached later use DESCRIBES
    // towards the record, anchors ANCHORED_IN away from it; neither is compared here).
    const determined: EdgeType[] =
      self.label === "Event" ? ["PERFORMED", "HOSTS", "CONCERNS"] : ["DESCRIBES", "UPLOADED"];
    const actualKeys = new Set(
      (await this.#graph.records.incidentEdges(self, determined)).map(edgeKey),
    );
    for (const key of expectedIncident) {
      if (!actualKeys.has(key)) reasons.push(`graph edge missing: ${key}`);
    }
    for (const key of actualKeys) {
      if (!expectedIncident.has(key)) reasons.push(`graph edge not in the document: ${key}`);
    }
    // Edges between other nodes (FLOWS_TO input → output, HAS_BATCH, SUPPLIES): each must exist.
    for (const e of await this.#graph.records.missingEdges(expectedOther)) {
      reasons.push(`graph edge missing: ${edgeKey(e)}`);
    }
    return reasons;
  }
}

function receiptOf(
  label: RecordLabel,
  id: string,
  fp: { cid: string; keccak256: Hex },
  status: RecordReceipt["status"],
): RecordReceipt {
  return {
    label,
    id,
    cid: fp.cid,
    contentHash: fp.keccak256,
    leafHash: leafHashOf(fp.keccak256),
    status,
  };
}

function hasFields(n: GraphNode): boolean {
  return Object.keys(n).some((k) => k !== "label" && k !== "id");
}

function dedupe(nodes: GraphNode[]): GraphNode[] {
  const map = new Map<string, GraphNode>();
  for (const n of nodes) {
    const key = `${n.label}\u0000${n.id}`;
    map.set(key, { ...map.get(key), ...n });
  }
  return [...map.values()];
}

function parseStored(
  label: RecordLabel,
  bytes: Uint8Array,
  reasons: string[],
): StoredRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    reasons.push("content is not JSON");
    return undefined;
  }
  const canonical = canonicalBytes(value);
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) {
    reasons.push("content is not in canonical (RFC 8785) form");
    return undefined;
  }
  const schema = label === "Event" ? StoredEventSchema : StoredDocumentSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    reasons.push(`content is not a ${label} record: ${parsed.error.issues[0]?.message ?? ""}`);
    return undefined;
  }
  return parsed.data;
}

/** Differences between the node a document projects to and the node the graph holds. */
function compareNode(expected: GraphNode, actual: GraphNode): string[] {
  const reasons: string[] = [];
  for (const field of ["kind", "name", "at"] as const) {
    if ((expected[field] ?? null) !== (actual[field] ?? null)) {
      reasons.push(`graph property ${field} differs from the document`);
    }
  }
  const expectedProps = expected.props ?? {};
  const actualProps = actual.props ?? {};
  const keys = new Set([...Object.keys(expectedProps), ...Object.keys(actualProps)]);
  for (const key of [...keys].sort()) {
    const a = expectedProps[key];
    const b = actualProps[key];
    const same =
      a === undefined || b === undefined
        ? a === b
        : Buffer.from(canonicalBytes(a)).equals(Buffer.from(canonicalBytes(b)));
    if (!same) reasons.push(`graph property props.${key} differs from the document`);
  }
  return reasons;
}
