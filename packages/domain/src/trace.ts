/**
 * The collections `GET /v1/trace/{collection}/{id}` traces from, each with the graph label its
 * nodes carry: the REST contract between the API and the web app.
 */
export const TRACE_COLLECTIONS = {
  products: "Product",
  batches: "Batch",
  participants: "Participant",
  locations: "Location",
  events: "Event",
  documents: "Document",
} as const;

export type TraceCollection = keyof typeof TRACE_COLLECTIONS;
