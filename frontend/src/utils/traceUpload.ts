/**
 * Reads a supplier's events file for POST /v1/trace/events. The API validates each event with
 * zod; this only turns what is not JSON, or not a list of events, into words before any request.
 */
export function parseEventsFile(text: string): { events: unknown[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The file is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  // Accept the upload body itself ({ "events": [...] }), a list of events, or one event.
  const events = Array.isArray(json)
    ? json
    : json && typeof json === "object" && "events" in json
      ? (json as { events: unknown }).events
      : json && typeof json === "object"
        ? [json]
        : undefined;
  if (!Array.isArray(events) || events.length === 0)
    throw new Error(
      'The file must hold an event object, a list of events, or { "events": [...] }.',
    );
  if (events.length > 1_000)
    throw new Error(`The file holds ${events.length} events; upload at most 1,000 at a time.`);
  return { events };
}

export type EventForm = {
  id: string;
  type: string;
  batch: string;
  product: string;
  location: string;
};

/** Event types that create a batch (it is their output); the others act on an existing one. */
const CREATES_BATCH = new Set(["produced", "assembled", "transformed"]);

/** One event from the upload form, by the connected supplier, now; the API validates the rest. */
export function eventFromForm(form: EventForm, actor: string, at: Date): unknown {
  const batch = form.batch.trim();
  return {
    id: form.id.trim(),
    type: form.type,
    at: at.toISOString(),
    actor,
    ...(form.product.trim() ? { product: { id: form.product.trim() } } : {}),
    ...(form.location.trim() ? { location: { id: form.location.trim() } } : {}),
    ...(batch ? (CREATES_BATCH.has(form.type) ? { outputs: [batch] } : { inputs: [batch] }) : {}),
  };
}
