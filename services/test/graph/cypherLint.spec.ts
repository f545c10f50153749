import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The repository's own eslint.config.mjs, run on fixture text as if it sat at `filePath`.
const eslint = new ESLint({ cwd: fileURLToPath(new URL("../../..", import.meta.url)) });

/** How many raw-Cypher errors a snippet gets at `filePath`. */
async function cypherErrors(code: string, filePath: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-syntax").length;
}

describe("raw Cypher stays in services/src/graph (decision 0455)", () => {
  it.each([
    ['"MATCH (n:Event) RETURN n.id AS id"', "a string"],
    ["`UNWIND $ids AS x MATCH (n:${label} {id: x})`", "a template"],
    ['"MERGE (a)-[e:FLOWS_TO]->(b)"', "a write"],
    ['"MATCH (n) DETACH   DELETE n"', "a delete"],
  ])("rejects %s (%s) in domain code", async (cypher) => {
    const code = `const label = "Event";\nexport const q = ${cypher};\n`;
    expect(await cypherErrors(code, "services/src/trace/fixture.ts")).toBeGreaterThan(0);
    expect(await cypherErrors(code, "services/src/api/fixture.ts")).toBeGreaterThan(0);
  });

  it("accepts it in the graph layer and its tests, and ordinary words elsewhere", async () => {
    const cypher = 'export const q = "MATCH (n:Event) RETURN n.id AS id";\n';
    expect(await cypherErrors(cypher, "services/src/graph/fixture.ts")).toBe(0);
    expect(await cypherErrors(cypher, "services/test/graph/fixture.ts")).toBe(0);
    const prose = 'export const m = "the return of a match: merge and unwind";\n';
    expect(await cypherErrors(prose, "services/src/trace/fixture.ts")).toBe(0);
  });
});
