import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { fingerprintBytes, fingerprintJson } from "@gridledger/domain/fingerprint";
import { printJson, readJsonFile } from "../io.ts";

/** `gridledger fingerprint <file>`: the keccak256 and CIDv1 GridLedger would anchor for a file. */
export function registerFingerprint(program: Command): void {
  program
    .command("fingerprint")
    .description("print the keccak256 and CIDv1 of a file (JSON files are canonicalised first)")
    .argument("<file>", "file to fingerprint")
    .option("--raw", "hash the bytes as they are, even for JSON")
    .action(async (file: string, options: { raw?: boolean }) => {
      const isJson = !options.raw && file.endsWith(".json");
      let fingerprint;
      if (isJson) fingerprint = await fingerprintJson(await readJsonFile(file));
      else fingerprint = await fingerprintBytes(new Uint8Array(await readFile(file)));
      printJson({ file, canonicalJson: isJson, ...fingerprint });
    });
}
