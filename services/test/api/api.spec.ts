import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { createApp } from "../../src/api/app.ts";
import { createServices, type Services } from "../../src/api/createContext.ts";
import type { ApiLimits } from "../../src/api/context.ts";
import { SiweSessions } from "../../src/api/session.ts";
import { ChainIndexer } from "../../src/indexer/chainIndexer.ts";
import { FileCursor } from "../../src/indexer/cursor.ts";
import { DEVNET_KEYS, startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { devnetActors } from "../helpers/devnetActors.ts";
import { clearScratchGraph, devnetConfig } from "../helpers/traceStack.ts";

const HOST = "gridledger.test";
const [OPERATOR, SUPPLIER_A, SUPPLIER_B, NOBODY] = DEVNET_KEYS;
const address = (key: Hex) => privateKeyToAccount(key).address;
const lower = (key: Hex) => address(key).toLowerCase();

describe("REST API", () => {
  let devnet: Devnet;
  let dataDir: string;
  let services: Services;
  let app: ReturnType<typeof createApp>;
  const tokens: Record<string, string> = {};

  async function signIn(key: Hex): Promise<request.Response> {
    const nonce = await request(app).get("/v1/auth/nonce").expect(200);
    const message = createSiweMessage({
      address: address(key),
      chainId: 31337,
      domain: HOST,
      nonce: nonce.body.nonce as string,
      uri: `http://${HOST}/`,
      version: "1",
      issuedAt: new Date(),
    });
    const signature = await privateKeyToAccount(key).signMessage({ message });
    return request(app).post("/v1/auth/verify").set("Host", HOST).send({ message, signature });
  }
  /** A signed SIWE message for `key` on a fresh nonce (fields overridable, as an attacker would). */
  async function siwe(
    key: Hex,
    over: { domain?: string; uri?: string; nonce?: string; chainId?: number } = {},
  ): Promise<{ message: string; signature: Hex }> {
    const nonce = over.nonce ?? ((await request(app).get("/v1/auth/nonce")).body.nonce as string);
    const domain = over.domain ?? HOST;
    const message = createSiweMessage({
      address: address(key),
      chainId: over.chainId ?? 31337,
      domain,
      nonce,
      uri: over.uri ?? `http://${domain}/`,
      version: "1",
    });
    return { message, signature: await privateKeyToAccount(key).signMessage({ message }) };
  }
  const verify = (body: { message: string; signature: Hex }, host = HOST) =>
    request(app).post("/v1/auth/verify").set("Host", host).send(body);
  const auth = (key: Hex) => ({ Authorization: `Bearer ${tokens[key] ?? ""}` });
  const ev = (id: string, key: Hex, rest: Record<string, unknown>) => ({
    id,
    at: "2026-02-01T08:00:00Z",
    actor: address(key),
    ...rest,
  });

  beforeAll(async () => {
    devnet = await startDevnet(18520);
    const actors = devnetActors(devnet);
    await actors.apply(SUPPLIER_A, 10);
    await actors.apply(SUPPLIER_B, 10);
    await actors.approve(OPERATOR, address(SUPPLIER_A), "SUPPLIER_ROLE");
    await actors.approve(OPERATOR, address(SUPPLIER_B), "SUPPLIER_ROLE");
    await actors.deposit(OPERATOR, SUPPLIER_A, 2_000_000n);
    dataDir = mkdtempSync(path.join(tmpdir(), "gl-api-"));
    const config = devnetConfig(devnet, dataDir, { API_BODY_LIMIT: "4096" });
    await clearScratchGraph(config);
    services = await createServices(config, undefined, {
      indexer: false,
      anchorTimer: false,
    });
    app = createApp(services.context);
    for (const key of [OPERATOR, SUPPLIER_A, SUPPLIER_B, NOBODY]) {
      const res = await signIn(key);
      expect(res.status).toBe(200);
      tokens[key] = res.body.token as string;
    }
  });
  afterAll(async () => {
    await services?.close();
    await devnet?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe("SIWE sign-in", () => {
    it("returns a session whose roles come from the chain", async () => {
      const me = await request(app).get("/v1/auth/session").set(auth(SUPPLIER_A)).expect(200);
      expect(me.body).toEqual({ address: address(SUPPLIER_A), roles: ["supplier"] });
      const op = await request(app).get("/v1/auth/session").set(auth(OPERATOR)).expect(200);
      expect(op.body.roles).toEqual(expect.arrayContaining(["operator", "anchorer"]));
      const none = await request(app).get("/v1/auth/session").set(auth(NOBODY)).expect(200);
      expect(none.body.roles).toEqual([]);
    });

    it("refuses a reused nonce, a wrong domain, a foreign signature and a forged token", async () => {
      const wrongDomain = await siwe(SUPPLIER_A, { domain: "evil.example" });
      const r1 = await verify(wrongDomain);
      expect(r1.status).toBe(401);
      expect(r1.body.error.code).toBe("unauthorized");
      expect(r1.body.error.message).toMatch(/domain must be gridledger\.test/);

      const good = await siwe(SUPPLIER_A);
      const foreign = {
        ...good,
        signature: await privateKeyToAccount(SUPPLIER_B).signMessage({ message: good.message }),
      };
      const r2 = await verify(foreign);
      expect(r2.status).toBe(401);
      expect(r2.body.error.message).toMatch(/signature/);

      // The failed attempt consumed the nonce, so even the right signature is now refused.
      const afterFailure = await verify(good);
      expect(afterFailure.status).toBe(401);
      expect(afterFailure.body.error.message).toMatch(/nonce already used/);

      const fresh = await siwe(SUPPLIER_A);
      await verify(fresh).expect(200);
      const replay = await verify(fresh);
      expect(replay.status).toBe(401);
      expect(replay.body.error.message).toMatch(/nonce/);

      const token = tokens[SUPPLIER_A]!;
      const [p, payload, mac] = token.split(".");
      const forgedPayload = Buffer.from(
        JSON.stringify({ sub: address(OPERATOR), exp: 9_999_999_999 }),
      ).toString("base64url");
      const forged = await request(app)
        .get("/v1/auth/session")
        .set({ Authorization: `Bearer ${p}.${forgedPayload}.${mac}` });
      expect(forged.status).toBe(401);
      expect(payload).toBeTruthy();
    });
  });

  describe("sign-in under attack", () => {
    /** An app on the same services with tight per-client limits, served on a real socket. */
    async function limitedServer(
      limits: Partial<ApiLimits>,
    ): Promise<{ port: number; close(): Promise<void> }> {
      const ctx = services.context;
      const server = createApp({
        ...ctx,
        bodyLimit: 1 << 20,
        limits: { ...ctx.limits, ...limits },
      }).listen(0, "127.0.0.1");
      await once(server, "listening");
      return {
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      };
    }
    /** One HTTP request from a chosen loopback source address (a distinct client to the server). */
    function from(
      localAddress: string,
      port: number,
      method: string,
      path: string,
      body?: string,
    ): Promise<{
      status: number;
      body: { error?: { code: string; message: string }; nonce?: string; token?: string };
    }> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            method,
            path,
            localAddress,
            headers: { "content-type": "application/json" },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    }

    it("ignores the Host header: a message for a phishing domain, posted with its Host, is refused", async () => {
      const phished = await siwe(SUPPLIER_A, { domain: "evil.example" });
      const res = await verify(phished, "evil.example");
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/domain must be gridledger\.test/);
      const foreignUri = await siwe(SUPPLIER_A, { uri: "https://evil.example/login" });
      const uri = await verify(foreignUri);
      expect(uri.status).toBe(401);
      expect(uri.body.error.message).toMatch(/uri must be on http:\/\/gridledger\.test/);
      const otherChain = await verify(await siwe(SUPPLIER_A, { chainId: 1 }));
      expect(otherChain.status).toBe(401);
      expect(otherChain.body.error.message).toMatch(/chain id must be 31337/);
      const expected = await request(app).get("/v1/auth/siwe").expect(200);
      expect(expected.body).toEqual({ domain: HOST, uri: `http://${HOST}` });
    });

    it("gives one session for one signed message posted 8 times at once", async () => {
      const signed = await siwe(SUPPLIER_B);
      const answers = await Promise.all(Array.from({ length: 8 }, () => verify(signed)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    });

    it("refuses a nonce it did not issue, one from another server, and an expired one", async () => {
      const made = await verify(await siwe(SUPPLIER_A, { nonce: "ab".repeat(38) }));
      expect(made.status).toBe(401);
      expect(made.body.error.message).toMatch(/unknown or expired nonce/);
      const elsewhere = new SiweSessions({
        ttlS: 60,
        chainId: 31337,
        client: services.clients.publicClient,
        domain: HOST,
        uri: `http://${HOST}`,
      }).issueNonce().nonce;
      expect((await verify(await siwe(SUPPLIER_A, { nonce: elsewhere }))).status).toBe(401);
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() - 6 * 60_000);
      const stale = services.context.sessions.issueNonce().nonce;
      vi.useRealTimers();
      const expired = await verify(await siwe(SUPPLIER_A, { nonce: stale }));
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toMatch(/expired nonce/);
    });

    it("stays open after 20,000 nonces (issuing one stores nothing) and draws them from the CSPRNG", async () => {
      const sessions = services.context.sessions;
      for (let i = 0; i < 20_000; i++) sessions.issueNonce();
      await verify(await siwe(SUPPLIER_A)).expect(200);
      // With Math.random pinned, a Math.random-based nonce would repeat; these must not.
      const pinned = vi.spyOn(Math, "random").mockReturnValue(0.5);
      try {
        const nonces = new Set(Array.from({ length: 100 }, () => sessions.issueNonce().nonce));
        expect(nonces.size).toBe(100);
        for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{76}$/);
      } finally {
        pinned.mockRestore();
      }
    });

    it("rate-limits per client: one client's flood leaves another client's sign-in working", async () => {
      const server = await limitedServer({ noncePerMin: 5, signInPerMin: 2 });
      try {
        const flood = [];
        for (let i = 0; i < 12; i++)
          flood.push(await from("127.0.0.1", server.port, "GET", "/v1/auth/nonce"));
        expect(flood.slice(0, 5).every((r) => r.status === 200)).toBe(true);
        expect(flood.slice(5).every((r) => r.status === 429)).toBe(true);
        expect(flood[11]!.body.error).toEqual({
          code: "rate_limited",
          message: "too many nonce requests: at most 5 a minute",
        });
        // Another client is unaffected and signs in.
        const nonce = await from("127.0.0.2", server.port, "GET", "/v1/auth/nonce");
        expect(nonce.status).toBe(200);
        const signed = await siwe(SUPPLIER_A, { nonce: nonce.body.nonce! });
        const ok = await from(
          "127.0.0.2",
          server.port,
          "POST",
          "/v1/auth/verify",
          JSON.stringify(signed),
        );
        expect(ok.status).toBe(200);
        expect(ok.body.token).toMatch(/^gl1\./);
        // Sign-in attempts are limited per client too.
        const junk = JSON.stringify({ message: "x", signature: `0x${"11".repeat(65)}` });
        const tries = [];
        for (let i = 0; i < 3; i++)
          tries.push(await from("127.0.0.3", server.port, "POST", "/v1/auth/verify", junk));
        expect(tries.map((t) => t.status)).toEqual([401, 401, 429]);
      } finally {
        await server.close();
      }
    });

    it("answers 400 to a body nested 5,000 levels deep, on open and signed-in routes, and stores nothing", async () => {
      const server = await limitedServer({});
      const before = services.context.batcher.pending;
      try {
        const deep = "[".repeat(5_000) + "]".repeat(5_000);
        const relay = await from(
          "127.0.0.4",
          server.port,
          "POST",
          "/v1/dispatch/events/1/offers",
          deep,
        );
        expect(relay.status).toBe(400);
        expect(relay.body.error?.code).toBe("too_deep");
        const upload = await request(app)
          .post("/v1/trace/events")
          .set(auth(SUPPLIER_A))
          .set("content-type", "application/json")
          .send(`{"events":${"[".repeat(40)}${"]".repeat(40)}}`);
        expect(upload.status).toBe(400);
        expect(upload.body.error.message).toMatch(/deeper than 32 levels/);
        // Brackets inside strings are text, not nesting.
        const quoted = await request(app)
          .post("/v1/trace/events")
          .set(auth(SUPPLIER_A))
          .set("content-type", "application/json")
          .send(JSON.stringify({ events: "[".repeat(100) + '\\"' + "{".repeat(100) }));
        expect(quoted.status).toBe(422);
        expect(services.context.batcher.pending).toBe(before);
      } finally {
        await server.close();
      }
    });
  });

  describe("writes", () => {
    it("refuses uploads without a session (401) and without a data-provider role (403)", async () => {
      const body = { events: [ev("X1", NOBODY, { type: "produced", outputs: ["BX"] })] };
      const anon = await request(app).post("/v1/trace/events").send(body);
      expect(anon.status).toBe(401);
      expect(anon.body.error.code).toBe("unauthorized");
      const nobody = await request(app).post("/v1/trace/events").set(auth(NOBODY)).send(body);
      expect(nobody.status).toBe(403);
      expect(nobody.body.error.message).toMatch(/roles/);
      const flush = await request(app).post("/v1/anchors/flush").set(auth(SUPPLIER_A));
      expect(flush.status).toBe(403);
    });

    it("refuses an upload on behalf of another supplier (403)", async () => {
      const res = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({ events: [ev("X2", SUPPLIER_B, { type: "produced", outputs: ["BX2"] })] });
      expect(res.status).toBe(403);
    });
  });

  describe("bad input", () => {
    it("names missing fields and wrong types (422)", async () => {
      const missing = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({ events: [{ at: "2026-01-01T00:00:00Z" }] });
      expect(missing.status).toBe(422);
      const paths = (missing.body.error.issues as { path: string }[]).map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["events.0.type", "events.0.actor"]));
      expect(missing.body.error.message).toMatch(/events\.0\.type/);

      const wrong = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({ events: [ev("W1", SUPPLIER_A, { type: "produced", outputs: "B1", at: 12 })] });
      expect(wrong.status).toBe(422);
      expect((wrong.body.error.issues as { path: string }[]).map((i) => i.path)).toEqual(
        expect.arrayContaining(["events.0.outputs", "events.0.at"]),
      );

      const notList = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({ events: "x" });
      expect(notList.status).toBe(422);
      expect(notList.body.error.issues[0].path).toBe("events");
      const unknownInput = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({
          events: [
            ev("W2", SUPPLIER_A, { type: "assembled", inputs: ["never-made"], outputs: ["B-w2"] }),
          ],
        });
      expect(unknownInput.status).toBe(422);
      expect(unknownInput.body.error.issues[0].path).toBe("events.0.inputs.0");
    });

    it("answers malformed JSON with 400 and oversized bodies with 413, both as JSON", async () => {
      const bad = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .set("Content-Type", "application/json")
        .send('{"events": [');
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe("malformed_json");
      const big = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({
          events: [
            ev("BIG", SUPPLIER_A, {
              type: "produced",
              outputs: ["B"],
              attributes: { blob: "x".repeat(5000) },
            }),
          ],
        });
      expect(big.status).toBe(413);
      expect(big.headers["content-type"]).toMatch(/json/);
      expect(big.body.error.code).toBe("payload_too_large");
    });

    it("answers what the API fuzzer found with 4xx and a JSON reason (0461)", async () => {
      const trace = await request(app).trace("/v1/health");
      expect(trace.status).toBe(405);
      expect(trace.headers.allow).toBe("GET, HEAD");
      expect(trace.body.error.code).toBe("method_not_allowed");
      const flush = await request(app).get("/v1/anchors/flush");
      expect(flush.status).toBe(405);
      expect(flush.headers.allow).toBe("POST");
      const options = await request(app).options("/v1/trace/events");
      expect(options.status).toBe(204);
      expect(options.headers.allow).toBe("POST");
      const offer = await request(app)
        .post("/v1/dispatch/events/1/offers")
        .send({
          signedAt: 3007,
          provider: address(SUPPLIER_A),
          segments: ["0*"],
          maxPowerW: 1,
          maxEnergyWh: "1",
          signature: `0x${"1".repeat(130)}`,
        });
      expect(offer.status).toBe(422);
      const document = await request(app)
        .post("/v1/dispatch/documents")
        .send({
          document: {
            allocations: [{ bus: null, provider: `0x${"0".repeat(40)}`, watts: 0 }],
            clearingPrice: 0,
            eventId: "0",
            kind: "dispatch-safety-report",
            meritOrder: false,
            method: "admm",
            network: "0",
            report: {
              after: { violations: [] },
              before: { violations: [] },
              network: "",
              safe: false,
              withinLimits: false,
            },
            safetyRounds: 0,
            totalCost: 0,
          },
          signature: `0x${"0".repeat(130)}`,
        });
      expect(document.status).toBe(422);
      expect(document.body.error.issues[0].path).toBe("signature");
      const cid = await request(app).get(`/v1/dispatch/documents/b${"a".repeat(40)}`);
      expect(cid.status).toBe(400);
    });

    it("answers unknown ids and routes with 404 and bad parameters with 400", async () => {
      const rec = await request(app).get("/v1/records/events/no-such-event");
      expect(rec.status).toBe(404);
      expect(rec.body.error.message).toMatch(/no-such-event/);
      expect((await request(app).get("/v1/trace/batches/nope")).status).toBe(404);
      expect((await request(app).get("/v1/anchors/999")).status).toBe(404);
      expect((await request(app).get("/v1/nothing-here")).body.error.code).toBe("not_found");
      const depth = await request(app).get("/v1/trace/batches/x?depth=99");
      expect(depth.status).toBe(400);
      expect(depth.body.error.issues[0].path).toBe("depth");
      expect((await request(app).get("/v1/trace/widgets/x")).status).toBe(400);
      expect((await request(app).get("/v1/participants/0x123/history")).status).toBe(400);
      expect((await request(app).get("/v1/records/events/bad%20id")).status).toBe(400);
    });
  });

  describe("a supply network uploaded through the API", () => {
    // raw-1, raw-2 (supplier A) → cell-1 (supplier B) ; raw-3 (A) → cell-2 (B) ; cell-1 + cell-2 → module-1 (B) → installed
    beforeAll(async () => {
      const a = [
        ev("A-raw-1", SUPPLIER_A, {
          type: "produced",
          product: { id: "P-silicon" },
          location: { id: "L-mine" },
          outputs: ["raw-1"],
        }),
        ev("A-raw-2", SUPPLIER_A, {
          type: "produced",
          product: { id: "P-silicon" },
          location: { id: "L-mine" },
          outputs: ["raw-2"],
        }),
        ev("A-raw-3", SUPPLIER_A, {
          type: "produced",
          product: { id: "P-silicon" },
          location: { id: "L-mine" },
          outputs: ["raw-3"],
        }),
      ];
      const resA = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_A))
        .send({ events: a });
      expect(resA.status).toBe(201);
      expect(resA.body.records).toHaveLength(3);
      const b = [
        ev("B-cell-1", SUPPLIER_B, {
          type: "transformed",
          product: { id: "P-cell" },
          inputs: ["raw-1", "raw-2"],
          outputs: ["cell-1"],
        }),
        ev("B-cell-2", SUPPLIER_B, {
          type: "transformed",
          product: { id: "P-cell" },
          inputs: ["raw-3"],
          outputs: ["cell-2"],
        }),
        ev("B-module-1", SUPPLIER_B, {
          type: "assembled",
          product: { id: "P-module" },
          location: { id: "L-fab" },
          inputs: ["cell-1", "cell-2"],
          outputs: ["module-1"],
        }),
        ev("B-ship-1", SUPPLIER_B, { type: "shipped", inputs: ["module-1"] }),
      ];
      const resB = await request(app)
        .post("/v1/trace/events")
        .set(auth(SUPPLIER_B))
        .send({ events: b });
      expect(resB.status).toBe(201);
      const doc = await request(app)
        .post("/v1/trace/documents")
        .set(auth(SUPPLIER_B))
        .send({
          id: "D-cert-1",
          kind: "certificate",
          title: "IEC 61215",
          subject: { label: "Batch", id: "module-1" },
          content: { standard: "IEC 61215", passed: true },
        });
      expect(doc.status).toBe(201);
    });

    it("traces upstream to every batch, supplier and location back to origin", async () => {
      const res = await request(app)
        .get("/v1/trace/batches/module-1?direction=upstream&depth=10")
        .expect(200);
      const ids = (label: string) =>
        (res.body.nodes as { label: string; id: string }[])
          .filter((n) => n.label === label)
          .map((n) => n.id)
          .sort();
      expect(ids("Batch")).toEqual(["cell-1", "cell-2", "raw-1", "raw-2", "raw-3"]);
      expect(ids("Participant")).toEqual([lower(SUPPLIER_A), lower(SUPPLIER_B)].sort());
      expect(ids("Location")).toEqual(["L-fab", "L-mine"]);
      expect(ids("Product")).toEqual(["P-cell", "P-module", "P-silicon"]);
      expect(ids("Document")).toEqual(["D-cert-1"]);
      expect(ids("Event")).toEqual(
        expect.arrayContaining([
          "A-raw-1",
          "A-raw-2",
          "A-raw-3",
          "B-cell-1",
          "B-cell-2",
          "B-module-1",
        ]),
      );
    });

    it("honours the depth limit", async () => {
      const res = await request(app)
        .get("/v1/trace/batches/module-1?direction=upstream&depth=1")
        .expect(200);
      const batches = (res.body.nodes as { label: string; id: string; depth: number }[]).filter(
        (n) => n.label === "Batch",
      );
      expect(batches.map((b) => b.id).sort()).toEqual(["cell-1", "cell-2"]);
      expect(res.body.nodes.every((n: { depth: number }) => n.depth === 1)).toBe(true);
    });

    it("traces downstream from a raw batch to the module", async () => {
      const res = await request(app)
        .get("/v1/trace/batches/raw-3?direction=downstream&depth=5")
        .expect(200);
      const batches = (res.body.nodes as { label: string; id: string }[])
        .filter((n) => n.label === "Batch")
        .map((n) => n.id)
        .sort();
      expect(batches).toEqual(["cell-2", "module-1"]);
    });

    it("checks every edge of a trace against its records when asked (verify=true)", async () => {
      const res = await request(app)
        .get("/v1/trace/batches/module-1?direction=upstream&depth=10&verify=true")
        .expect(200);
      // Not anchored yet: every edge is stated by an intact record, none is proven on-chain.
      expect(res.body.verification.verdict).toBe("pending");
      expect(res.body.verification.counts.tampered).toBe(0);
      expect(res.body.verification.counts.pending).toBe(res.body.edges.length);
      expect(res.body.verification.recordsChecked).toBeGreaterThanOrEqual(7);
      const plain = await request(app).get("/v1/trace/batches/module-1").expect(200);
      expect(plain.body.verification).toBeUndefined();
      const bad = await request(app).get("/v1/trace/batches/module-1?verify=yes");
      expect(bad.status).toBe(400);
      expect(bad.body.error.issues[0].path).toBe("verify");
    });

    it("anchors on demand (operator) and then serves records as verified", async () => {
      const before = await request(app).get("/v1/records/events/B-module-1").expect(200);
      expect(before.body.verdict).toBe("pending");
      const flush = await request(app).post("/v1/anchors/flush").set(auth(OPERATOR)).expect(200);
      expect(flush.body.batches[0].recordCount).toBe(8);
      expect(flush.body.pending).toBe(0);
      const after = await request(app).get("/v1/records/events/B-module-1").expect(200);
      expect(after.body.verdict).toBe("verified");
      expect(after.body.document.inputs).toEqual(["cell-1", "cell-2"]);
      const doc = await request(app).get("/v1/records/documents/D-cert-1").expect(200);
      expect(doc.body.verdict).toBe("verified");
      const anchor = await request(app)
        .get(`/v1/anchors/${flush.body.batches[0].anchorId}`)
        .expect(200);
      expect(anchor.body.onChain.root).toBe(flush.body.batches[0].root);
    });

    it("verifies an anchored trace, and reports an edge no record states as tampered", async () => {
      const clean = await request(app)
        .get("/v1/trace/batches/module-1?depth=10&verify=true")
        .expect(200);
      expect(clean.body.verification.verdict).toBe("verified");
      expect(clean.body.verification.problems).toEqual([]);
      // Someone with write access to the graph claims raw-9 went into cell-2.
      await services.graph.upsertNode({ label: "Batch", id: "raw-9" });
      await services.graph.addEdge({
        type: "FLOWS_TO",
        from: { label: "Batch", id: "raw-9" },
        to: { label: "Batch", id: "cell-2" },
      });
      const forged = await request(app)
        .get("/v1/trace/batches/module-1?depth=10&verify=true")
        .expect(200);
      expect(forged.body.nodes.map((n: { id: string }) => n.id)).toContain("raw-9");
      expect(forged.body.verification.verdict).toBe("tampered");
      expect(forged.body.verification.counts.tampered).toBe(1);
      expect(forged.body.verification.problems).toEqual([
        { edge: "FLOWS_TO|Batch:raw-9|Batch:cell-2", reasons: ["no record states this edge"] },
      ]);
    });

    it("restricts reads to sessions when READS=authenticated", async () => {
      const closed = createApp({ ...services.context, reads: "authenticated" });
      const anon = await request(closed).get("/v1/trace/batches/module-1");
      expect(anon.status).toBe(401);
      await request(closed).get("/v1/trace/batches/module-1").set(auth(NOBODY)).expect(200);
    });
  });

  it("lists a participant's market history from the indexed chain", async () => {
    const indexer = new ChainIndexer({
      clients: services.clients,
      graph: services.graph,
      cursor: new FileCursor(dataDir, 31337),
      options: { confirmations: 0, batchBlocks: 1000, pollMs: 1000 },
    });
    await indexer.runOnce();
    const res = await request(app)
      .get(`/v1/participants/${address(SUPPLIER_A)}/history`)
      .expect(200);
    expect(res.body.participant.kind).toBe("supplier");
    expect(res.body.market.map((r: { kind: string }) => r.kind)).toEqual(["deposited"]);
    expect(res.body.market[0].props.amount).toBe("2000000");
    expect(res.body.tdva).toEqual([]);
    expect((await request(app).get(`/v1/participants/${address(NOBODY)}/history`)).status).toBe(
      404,
    );
  });

  it("serves health and an OpenAPI 3.1 document", async () => {
    const health = await request(app).get("/v1/health").expect(200);
    expect(health.body.status).toBe("ok");
    expect(health.body.checks.chain.ok).toBe(true);
    const doc = await request(app).get("/openapi.json").expect(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/v1/trace/events",
        "/v1/records/{collection}/{id}",
        "/v1/auth/verify",
        "/v1/anchors/flush",
      ]),
    );
  });
});
