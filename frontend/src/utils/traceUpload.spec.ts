import { describe, expect, it } from "vitest";
import { eventFromForm, parseEventsFile } from "./traceUpload.ts";

describe("parseEventsFile", () => {
  it("accepts an upload body, a list, or a single event", () => {
    expect(parseEventsFile('{"events":[{"id":"E1"}]}')).toEqual({ events: [{ id: "E1" }] });
    expect(parseEventsFile('[{"id":"E1"},{"id":"E2"}]').events).toHaveLength(2);
    expect(parseEventsFile('{"id":"E1"}')).toEqual({ events: [{ id: "E1" }] });
  });
  it("says what is wrong with a file that is not JSON or holds no events", () => {
    expect(() => parseEventsFile("{ not json")).toThrow(/not valid JSON/);
    expect(() => parseEventsFile("[]")).toThrow(/must hold an event/);
    expect(() => parseEventsFile("42")).toThrow(/must hold an event/);
    expect(() => parseEventsFile('{"events":"x"}')).toThrow(/must hold an event/);
    expect(() => parseEventsFile(JSON.stringify(Array(1001).fill({})))).toThrow(/at most 1,000/);
  });
});

describe("eventFromForm", () => {
  const at = new Date(Date.UTC(2026, 10, 2, 9));
  const base = { id: " EV-1 ", type: "produced", batch: "B-1", product: "P-1", location: "" };
  it("makes a produced batch an output and a shipped batch an input, omitting blank fields", () => {
    expect(eventFromForm(base, "0xabc", at)).toEqual({
      id: "EV-1",
      type: "produced",
      at: "2026-11-02T09:00:00.000Z",
      actor: "0xabc",
      product: { id: "P-1" },
      outputs: ["B-1"],
    });
    expect(eventFromForm({ ...base, type: "shipped", product: "" }, "0xabc", at)).toEqual({
      id: "EV-1",
      type: "shipped",
      at: "2026-11-02T09:00:00.000Z",
      actor: "0xabc",
      inputs: ["B-1"],
    });
  });
});
