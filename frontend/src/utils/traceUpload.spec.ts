import { describe, expect, it } from "vitest";
import { parseEventsFile } from "./traceUpload.ts";

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
