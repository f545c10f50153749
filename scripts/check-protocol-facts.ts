// `npm run lint` step: fails when a protocol fact is defined outside packages/protocol, so the
// package stays the one place the TypeScript side learns them (decision 0003). Each rule is a
// pattern that only a (re)definition matches; uses (protocol.ParticipantKind.PV) pass. A test
// oracle that spells a value out on purpose marks its line (or the one above) `protocol-fact-ok`.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SCAN = [
  "services/src",
  "services/test",
  "services/bench",
  "frontend/src",
  "frontend/e2e",
  "packages/domain/src",
  "scripts",
  "test",
];
const RULES: [RegExp, string][] = [
  [
    /\b(?:enum|const|type)\s+(?:ParticipantKind|ParticipantStatus|IntervalKind|IntervalStatus|TriggerReason)\s*=\s*[{[]/,
    "an enum of the contracts",
  ],
  [
    /"GridLedger (?:ParticipantRegistry|DispatchRegistry|MeterReadings|MeteringLedger)"/,
    "an EIP-712 domain name",
  ],
  [/\b(?:MeterCertificate|MeterReading|Offer)\s*:\s*\[\s*(?:\{|$)/, "EIP-712 type fields"],
  [/1n\s*<<\s*255n/, "the unmatched-record flag"],
  [/<<\s*104n/, "the match-record packing"],
  [
    /function\s+(?:packSegment|packMatchRecord|packUnmatchedRecord|hashTrigger|hashDispatch|hashVerify|hashSettle|genesisLink)\b/,
    "a protocol encoder or hash",
  ],
];

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") yield* files(full);
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && full !== __filename) yield full;
  }
}

const found: string[] = [];
for (const dir of SCAN) {
  for (const file of files(path.join(ROOT, dir))) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const [pattern, what] of RULES) {
        const excused =
          /protocol-fact-ok/.test(line) || /protocol-fact-ok/.test(lines[i - 1] ?? "");
        if (pattern.test(line) && !excused)
          found.push(`${path.relative(ROOT, file)}:${i + 1}: ${what}: ${line.trim()}`);
      }
    });
  }
}
if (found.length > 0) {
  console.error(
    `protocol facts defined outside packages/protocol (import them from @gridledger/protocol):\n${found.join("\n")}`,
  );
  process.exit(1);
}
process.stdout.write("no protocol fact is defined outside packages/protocol\n");
