import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { canonicalBytes } from "@gridledger/domain/fingerprint";
import { buildBatchTree, leafHashOf, standardRootOf } from "../../src/trace/leaf.ts";
import type { Uploader } from "../../src/trace/traceService.ts";
import { startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { openTraceStack, replaceHeliaBlock, type TraceStack } from "../helpers/traceStack.ts";

const SUPPLIER = "0x70997970c51812dc3a010c7d01b50e20d4dc79c8" as Address;
const uploader: Uploader = { address: SUPPLIER, isOperator: false };

function event(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: "produced",
    at: "2026-01-05T10:00:00Z",
    actor: SUPPLIER,
    product: { id: "P-module", name: "PV module" },
    location: { id: "L-plant", name: "Plant A" },
    outputs: [`B-${id}`],
    attributes: { watts: 400 },
    ...extra,
  };
}

describe("trace records: anchoring and verified reads", () => {
  let devnet: Devnet;
  let stack: TraceStack;

  beforeAll(async () => {
    devnet = await startDevnet(18510);
    stack = await openTraceStack(devnet);
  });
  afterAll(async () => {
    await stack?.close();
    await devnet?.stop();
  });

  it("builds the same root as StandardMerkleTree over the content hashes", () => {
    const hashes = [1, 2, 3, 4, 5].map((i) => `0x${i.toString(16).padStart(64, "0")}` as Hex);
    expect(buildBatchTree(hashes.map(leafHashOf)).root).toBe(standardRootOf(hashes));
  });

  it("serves a queued record as pending, then as verified against the on-chain root", async () => {
    const receipts = await stack.trace.recordEvents(
      [event("E1"), event("E2"), event("E3")],
      uploader,
    );
    expect(receipts.map((r) => r.status)).toEqual(["queued", "queued", "queued"]);
    expect(stack.batcher.pending).toBe(3);
    const before = await stack.trace.getRecord("Event", "E1");
    expect(before.verdict).toBe("pending");
    expect(before.reasons).toEqual([]);

    const [batch] = await stack.batcher.flush();
    expect(batch?.recordCount).toBe(3);
    expect(batch?.root).toBe(standardRootOf(receipts.map((r) => r.contentHash)));
    expect(stack.batcher.pending).toBe(0);
    const onChain = await stack.anchor.getAnchor(BigInt(batch!.anchorId));
    expect(onChain?.root).toBe(batch?.root);
    expect(onChain?.recordCount).toBe(3n);

    const after = await stack.trace.getRecord("Event", "E2");
    expect(after.verdict).toBe("verified");
    expect(after.record.anchorId).toBe(batch?.anchorId);
    expect(after.document).toMatchObject({ id: "E2", type: "produced", actor: SUPPLIER });
  });

  it("re-uploading the same event is idempotent; different content under the same id is a conflict", async () => {
    const again = await stack.trace.recordEvents([event("E1")], uploader);
    expect(again[0]?.status).toBe("exists");
    await expect(
      stack.trace.recordEvents([event("E1", { attributes: { watts: 410 } })], uploader),
    ).rejects.toThrow(/exists with different content/);
  });

  it("stores the content again when the same event is re-uploaded after its content was lost", async () => {
    const [receipt] = await stack.trace.recordEvents([event("E-lost")], uploader);
    const bytes = canonicalBytes(await stack.content.getJson(receipt!.cid));
    expect(await replaceHeliaBlock(stack.dataDir, bytes, null)).toBe(1);
    expect((await stack.trace.getRecord("Event", "E-lost")).verdict).toBe("missing");
    const [again] = await stack.trace.recordEvents([event("E-lost")], uploader);
    expect(again).toMatchObject({ status: "exists", cid: receipt!.cid });
    const read = await stack.trace.getRecord("Event", "E-lost");
    expect(read.verdict).toBe("pending");
    expect(read.document).toMatchObject({ id: "E-lost" });
  });

  it("reports an edited graph property as tampered and serves no document", async () => {
    await stack.graph.upsertNode({ label: "Event", id: "E1", kind: "inspected" });
    await stack.graph.upsertNode({
      label: "Event",
      id: "E3",
      props: { actor: "0x0000000000000000000000000000000000000001" },
    });
    const kind = await stack.trace.getRecord("Event", "E1");
    expect(kind.verdict).toBe("tampered");
    expect(kind.reasons.join()).toMatch(/property kind/);
    expect(kind.document).toBeNull();
    const actor = await stack.trace.getRecord("Event", "E3");
    expect(actor.verdict).toBe("tampered");
    expect(actor.reasons.join()).toMatch(/props\.actor/);
  });

  it("reports a graph edge the document does not contain as tampered", async () => {
    await stack.trace.recordEvents([event("E4")], uploader);
    await stack.batcher.flush();
    expect((await stack.trace.getRecord("Event", "E4")).verdict).toBe("verified");
    await stack.graph.upsertNode({ label: "Batch", id: "B-fake" });
    await stack.graph.addEdge({
      type: "CONCERNS",
      from: { label: "Event", id: "E4" },
      to: { label: "Batch", id: "B-fake" },
    });
    const read = await stack.trace.getRecord("Event", "E4");
    expect(read.verdict).toBe("tampered");
    expect(read.reasons.join()).toMatch(/edge not in the document.*B-fake/);
  });

  it("reports a replaced IPFS block as tampered", async () => {
    const [receipt] = await stack.trace.recordEvents([event("E5")], uploader);
    await stack.batcher.flush();
    expect((await stack.trace.getRecord("Event", "E5")).verdict).toBe("verified");
    const original = canonicalBytes((await stack.content.getJson(receipt!.cid)) as object);
    const forged = canonicalBytes({
      ...(JSON.parse(new TextDecoder().decode(original)) as object),
      attributes: { watts: 999 },
    });
    expect(await replaceHeliaBlock(stack.dataDir, original, forged)).toBe(1);
    const read = await stack.trace.getRecord("Event", "E5");
    expect(read.verdict).toBe("tampered");
    expect(read.reasons.join()).toMatch(/does not hash to its CID/);
    expect(read.document).toBeNull();
  });

  it("reports the trace edges a replaced record states as tampered in a verified trace", async () => {
    // Also a regression test for a Kùzu 0.11 checkpoint bug: the updates of the earlier tests
    // (graph edits, anchor proofs) used to make a checkpoint give E1-E4 each other's proofs,
    // which turned the SUPPLIES edge below tampered (decision 0401).
    const trace = await stack.trace.verifiedTrace({ label: "Batch", id: "B-E5" }, "upstream", 3);
    expect(trace.verification.verdict).toBe("tampered");
    const problems = new Map(trace.verification.problems.map((p) => [p.edge, p.reasons]));
    for (const edge of trace.edges) {
      const key = `${edge.type}|${edge.from.label}:${edge.from.id}|${edge.to.label}:${edge.to.id}`;
      if (edge.type === "SUPPLIES") {
        // Stated by every "produced" event of this supplier; the intact anchored ones vouch for it.
        expect(problems.has(key)).toBe(false);
      } else {
        expect(problems.get(key)?.join()).toMatch(/Event E5: content store block does not hash/);
      }
    }
    expect(trace.verification.counts.verified).toBe(1);
    expect(trace.verification.counts.tampered).toBe(trace.edges.length - 1);
  });

  it("reports a forged proof, a moved anchor id and a swapped CID as tampered", async () => {
    await stack.trace.recordEvents([event("E6"), event("E7")], uploader);
    const [batch] = await stack.batcher.flush();
    const e6 = await stack.graph.getNode({ label: "Event", id: "E6" });
    expect(e6?.proof?.length).toBeGreaterThan(0);

    const forgedProof = [`0x${"ab".repeat(32)}`];
    await stack.graph.upsertNode({ label: "Event", id: "E6", proof: forgedProof });
    const forged = await stack.trace.getRecord("Event", "E6");
    expect(forged.verdict).toBe("tampered");
    expect(forged.reasons.join()).toMatch(/proof does not lead to the root anchored on-chain/);

    await stack.graph.upsertNode({
      label: "Event",
      id: "E7",
      anchorId: String(Number(batch!.anchorId) - 1),
    });
    expect((await stack.trace.getRecord("Event", "E7")).verdict).toBe("tampered");

    // A consistent-looking node pointing at another record's content: the document's id gives it away.
    const e2 = await stack.graph.getNode({ label: "Event", id: "E2" });
    await stack.graph.upsertNode({
      label: "Event",
      id: "E6",
      cid: e2!.cid!,
      leafHash: e2!.leafHash!,
      proof: e2!.proof!,
      anchorId: e2!.anchorId!,
    });
    const swapped = await stack.trace.getRecord("Event", "E6");
    expect(swapped.verdict).toBe("tampered");
    expect(swapped.reasons.join()).toMatch(/document id E2 differs/);
  });

  it("reloads the anchoring queue from the graph after a restart", async () => {
    await stack.trace.recordEvents([event("E8"), event("E9")], uploader);
    const fresh = new (
      stack.batcher.constructor as typeof import("../../src/trace/anchorBatcher.ts").AnchorBatcher
    )({
      graph: stack.graph,
      content: stack.content,
      chain: stack.anchor,
      policy: { maxBatch: 100, maxWaitMs: 60_000 },
    });
    expect(await fresh.loadPending()).toBe(2);
    const [batch] = await fresh.flush();
    expect(batch?.recordCount).toBe(2);
    expect((await stack.trace.getRecord("Event", "E9")).verdict).toBe("verified");
  });

  it("refuses an upload for another actor unless delegated", async () => {
    const other = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" as Address;
    await expect(
      stack.trace.recordEvents([event("E10")], { address: other, isOperator: false }),
    ).rejects.toThrow(/may not upload on behalf/);
    await stack.trace.delegate(SUPPLIER, other);
    const [receipt] = await stack.trace.recordEvents([event("E10")], {
      address: other,
      isOperator: false,
    });
    expect(receipt?.status).toBe("queued");
  });
});
