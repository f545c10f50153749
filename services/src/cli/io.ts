import { readFile } from "node:fs/promises";
import { BaseError } from "@gridledger/domain/errors";

/** Reads and parses a JSON file, naming the file in the error when it is missing or malformed. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new BaseError(`cannot read ${path}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new BaseError(`${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Prints a value as indented JSON on stdout (the CLI's machine-readable output). */
export function printJson(value: unknown): void {
  process.stdout.write(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n",
  );
}
