import { pino, type Logger } from "pino";

/**
 * The one structured logger of the services. Library code logs through it (never console.log);
 * logs go to stderr so the CLI's stdout stays machine-readable JSON.
 */
export function createLogger(level: string = "info"): Logger {
  return pino({ level, base: { service: "gridledger" } }, pino.destination(2));
}
