import type { GraphEdge, GraphNode, JsonValue, NodeRef } from "../graph/graphStore.ts";
import type { StoredDocument, StoredEvent } from "./schemas.ts";

/** The nodes and edges a stored record becomes in the graph (the record's node comes first). */
export type Projection = { node: GraphNode; others: GraphNode[]; edges: GraphEdge[] };

const ref = (label: NodeRef["label"], id: string): NodeRef => ({ label, id });

function clean(value: Record<string, unknown>): Record<string, JsonValue> {
  return JSON.parse(JSON.stringify(value)) as Record<string, JsonValue>;
}

/**
 * Graph form of an event document. The same function builds what is written and what a verified
 * read expects to find, so a graph edited behind the service's back is told apart from its
 * document.
 */
export function projectEvent(doc: StoredEvent): Projection {
  const eventRef = ref("Event", doc.id);
  const node: GraphNode = {
    ...eventRef,
    kind: doc.type,
    at: Date.parse(doc.at),
    props: clean({
      actor: doc.actor,
      uploader: doc.uploader,
      inputs: doc.inputs,
      outputs: doc.outputs,
      product: doc.product?.id,
      location: doc.location?.id,
      attributes: doc.attributes,
    }),
  };
  const actor = ref("Participant", doc.actor);
  const others: GraphNode[] = [{ ...actor }];
  const edges: GraphEdge[] = [{ type: "PERFORMED", from: actor, to: eventRef }];
  if (doc.location) {
    const loc = ref("Location", doc.location.id);
    others.push(doc.location.name ? { ...loc, name: doc.location.name } : { ...loc });
    edges.push({ type: "HOSTS", from: loc, to: eventRef });
  }
  const product = doc.product ? ref("Product", doc.product.id) : undefined;
  if (doc.product && product) {
    others.push(doc.product.name ? { ...product, name: doc.product.name } : { ...product });
    // Without output batches the event is about the product itself (e.g. a type inspection).
    if (doc.outputs.length === 0) edges.push({ type: "CONCERNS", from: eventRef, to: product });
    if (doc.type === "produced" || doc.type === "assembled") {
      edges.push({ type: "SUPPLIES", from: actor, to: product });
    }
  }
  // An event concerns the batches it produced; one that produced none (shipped, received,
  // inspected, installed) concerns the batches it handled. Consumed inputs are linked to the
  // outputs by FLOWS_TO instead, so an upstream trace does not wander into the other products
  // an input batch was also used for.
  for (const id of doc.outputs.length > 0 ? doc.outputs : doc.inputs) {
    edges.push({ type: "CONCERNS", from: eventRef, to: ref("Batch", id) });
  }
  for (const id of doc.outputs) {
    others.push(ref("Batch", id));
    if (product) edges.push({ type: "HAS_BATCH", from: product, to: ref("Batch", id) });
    for (const input of doc.inputs) {
      edges.push({ type: "FLOWS_TO", from: ref("Batch", input), to: ref("Batch", id) });
    }
  }
  return { node, others: dedupeNodes(others), edges };
}

/** Graph form of a document record (see projectEvent). */
export function projectDocument(doc: StoredDocument): Projection {
  const docRef = ref("Document", doc.id);
  const node: GraphNode = {
    ...docRef,
    kind: doc.kind,
    at: Date.parse(doc.at),
    ...(doc.title ? { name: doc.title } : {}),
    props: clean({ subject: doc.subject, provider: doc.provider, uploader: doc.uploader }),
  };
  const provider = ref("Participant", doc.provider);
  const others: GraphNode[] = [{ ...provider }];
  const edges: GraphEdge[] = [
    { type: "DESCRIBES", from: docRef, to: ref(doc.subject.label, doc.subject.id) },
    { type: "UPLOADED", from: provider, to: docRef },
  ];
  return { node, others, edges };
}

function dedupeNodes(nodes: GraphNode[]): GraphNode[] {
  const seen = new Map<string, GraphNode>();
  for (const n of nodes) {
    const key = `${n.label}\u0000${n.id}`;
    seen.set(key, { ...seen.get(key), ...n });
  }
  return [...seen.values()];
}

/** Stable key of an edge for set comparisons. */
export function edgeKey(e: GraphEdge): string {
  return `${e.type}|${e.from.label}:${e.from.id}|${e.to.label}:${e.to.id}`;
}
