import cliProgress from "cli-progress";

/** What long CLI work reports as it goes. */
export type Progress = {
  start(total: number, phase: string): void;
  update(done: number, phase: string): void;
  stop(): void;
};

/**
 * A progress bar on stderr for long CLI work, shown only to a person: quiet with --json (stdout
 * is a report some program reads) and when stdout is not a terminal (CI logs, pipes).
 *
 * @example const bar = progressBar(options.json); bar.start(7, "starting"); ...; bar.stop()
 */
export function progressBar(
  json: boolean | undefined,
  io: { tty: boolean; stream: NodeJS.WritableStream } = {
    tty: process.stdout.isTTY === true,
    stream: process.stderr,
  },
): Progress {
  if (json || !io.tty) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {value}/{total} {phase}", stream: io.stream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, phase) => bar.start(total, 0, { phase }),
    update: (done, phase) => bar.update(done, { phase }),
    stop: () => bar.stop(),
  };
}
