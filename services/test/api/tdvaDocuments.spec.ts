import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import type { Express } from "express";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintJson } from "@gridledger/domain/fingerprint";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { solvePowerFlow } from "@gridledger/domain/grid";
import {
  buildAlarmDocument,
  buildMeterDataDocument,
  tdvaDocumentMessage,
} from "@gridledger/domain/tdva";
import { createApp } from "../../src/api/app.ts";
import { createServices, type Services } from "../../src/api/createContext.ts";
import { startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { devnetConfig } from "../helpers/traceStack.ts";

// The web app stores each TDVA document through the API before the transaction that puts its
// CID on-chain; the CID the API answers must be the one fingerprintJson computes in the browser.
describe("TDVA documents (REST API on a devnet)", () => {
  let devnet: Devnet;
  let chain: ChainSession;
  let services: Services;
  let app: Express;
  let dataDir: string;
  const network = loadShippedNetwork("six-node");
  const alarm = buildAlarmDocument(network.name, solvePowerFlow(network));

  /** The upload body as the web app sends it: signed by devnet account `index` (0: operator). */
  const upload = async (document: unknown, index = 0) => ({
    document,
    signature: await chain.wallet(index).signMessage({
      message: tdvaDocumentMessage((await fingerprintJson(document)).cid),
    }),
  });

  beforeAll(async () => {
    devnet = await startDevnet(18562);
    chain = await connectChainSession({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      fallbackPort: 18563,
      log: () => {},
    });
    dataDir = await mkdtemp(path.join(tmpdir(), "gl-tdva-docs-"));
    services = await createServices(devnetConfig(devnet, dataDir), undefined, {
      indexer: false,
      anchorTimer: false,
    });
    app = createApp(services.context);
  });
  afterAll(async () => {
    await services?.close();
    await chain?.close();
    await devnet?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("stores an operator-signed document under the CID fingerprintJson gives, readable back", async () => {
    const fp = await fingerprintJson(alarm);
    const posted = await request(app)
      .post("/v1/dispatch/documents")
      .send(await upload(alarm))
      .expect(201);
    expect(posted.body).toEqual({
      cid: fp.cid,
      keccak256: fp.keccak256,
      kind: "voltage-alarm",
      operator: chain.address(0),
    });
    const read = await request(app).get(`/v1/dispatch/documents/${fp.cid}`).expect(200);
    expect(read.body).toEqual(alarm);
    expect((await fingerprintJson(read.body)).cid).toBe(fp.cid);
    expect(await services.content.has(fp.cid)).toBe(true);
    // Storing the same document again is harmless: same CID.
    const again = await request(app)
      .post("/v1/dispatch/documents")
      .send(await upload(alarm))
      .expect(201);
    expect(again.body.cid).toBe(fp.cid);
  });

  it("refuses a document that is not a TDVA document, naming the field (422)", async () => {
    const res = await request(app)
      .post("/v1/dispatch/documents")
      .send(await upload({ ...alarm, kind: "gossip" }))
      .expect(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.issues[0].path).toBe("kind");
    const extra = await request(app)
      .post("/v1/dispatch/documents")
      .send(await upload({ ...alarm, note: "x" }))
      .expect(422);
    expect(extra.body.error.message).toMatch(/TDVA document/);
    const noSignature = await request(app)
      .post("/v1/dispatch/documents")
      .send({ document: alarm })
      .expect(422);
    expect(noSignature.body.error.issues[0].path).toBe("signature");
  });

  it("refuses uploads not signed by the operator, or signed over other content (403)", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const meter = buildMeterDataDocument(1n, [{ provider: stranger.address, deliveredWh: 5n }]);
    const unsigned = await request(app)
      .post("/v1/dispatch/documents")
      .send({
        document: meter,
        signature: await stranger.signMessage({
          message: tdvaDocumentMessage((await fingerprintJson(meter)).cid),
        }),
      })
      .expect(403);
    expect(unsigned.body.error.code).toBe("forbidden");
    // The operator signed the alarm; the body carries an altered copy: the signature no longer
    // recovers to the operator.
    const { signature } = await upload(alarm);
    const altered = { ...alarm, network: "elsewhere" };
    const tampered = await request(app)
      .post("/v1/dispatch/documents")
      .send({ document: altered, signature })
      .expect(403);
    expect(tampered.body.error.message).toMatch(/operator/);
    await request(app)
      .get(`/v1/dispatch/documents/${(await fingerprintJson(altered)).cid}`)
      .expect(404);
  });

  it("answers 404 for an unknown or non-TDVA CID and 400 for a malformed one", async () => {
    const other = await services.content.putJson({ not: "a TDVA document" });
    const notTdva = await request(app).get(`/v1/dispatch/documents/${other.cid}`).expect(404);
    expect(notTdva.body.error.code).toBe("not_found");
    const unknown = (await fingerprintJson({ never: "stored" })).cid;
    await request(app).get(`/v1/dispatch/documents/${unknown}`).expect(404);
    const bad = await request(app).get("/v1/dispatch/documents/QmNotBase32").expect(400);
    expect(bad.body.error.code).toBe("bad_request");
  });
});
