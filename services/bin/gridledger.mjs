#!/usr/bin/env node
// Entry point of `npx gridledger`: the CLI is TypeScript (ESM) in services/, loaded through tsx,
// so there is no build step between editing and running.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
