import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress.ts";

/** A terminal-like stream that records what the bar draws. */
function terminal() {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    {
      isTTY: true,
      columns: 80,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    },
  );
  return { stream, chunks };
}

const run = (json: boolean, tty: boolean) => {
  const t = terminal();
  const bar = progressBar(json, { tty, stream: t.stream });
  bar.start(3, "starting");
  bar.update(2, "cleared");
  bar.stop();
  return t.chunks.join("");
};

describe("CLI progress bar", () => {
  it("draws progress and the phase for a person at a terminal", () => {
    expect(run(false, true)).toMatch(/2\/3 cleared/);
  });

  it("stays quiet with --json, even on a terminal", () => {
    expect(run(true, true)).toBe("");
  });

  it("stays quiet when stdout is not a terminal", () => {
    expect(run(false, false)).toBe("");
  });
});
