import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import type { Express } from "express";
import { keccak256, toHex, type Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { createServices, type Services } from "../../src/api/createContext.ts";
import { DEVNET_KEYS, startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { devnetActors } from "../helpers/devnetActors.ts";
import { contractAddress } from "../../src/chain/deployment.ts";
import { abis } from "@gridledger/protocol";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { offerTypedData } from "@gridledger/protocol";
import { devnetConfig } from "../helpers/traceStack.ts";

/** The provider side of the relay: sign an offer as devnet account `index`, as a wallet would. */
async function signOffer(
  chain: ChainSession,
  index: number,
  eventId: bigint,
  fields: { maxPowerW: number; maxEnergyWh: bigint; signedAt: number; segments: bigint[] },
  as: Address = chain.address(index),
) {
  const registry = contractAddress(chain.deployment, "DispatchRegistry");
  const signature = await chain.wallet(index).signTypedData({
    ...offerTypedData(chain.chain.id, registry),
    message: { eventId, provider: as, ...fields },
  });
  return {
    provider: as,
    maxPowerW: fields.maxPowerW,
    maxEnergyWh: fields.maxEnergyWh.toString(),
    signedAt: fields.signedAt,
    segments: fields.segments.map(String),
    signature,
  };
}

describe("TDVA offer relay (REST API on a devnet)", () => {
  let devnet: Devnet;
  let chain: ChainSession;
  let services: Services;
  let app: Express;
  let dataDir: string;
  let eventId: bigint;
  let openedAt: number;
  const segment = (kw: number, pricePerKWh: bigint) => (BigInt(kw * 1000) << 64n) | pricePerKWh;

  beforeAll(async () => {
    devnet = await startDevnet(18526);
    chain = await connectChainSession({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      fallbackPort: 18527,
      log: () => {},
    });
    dataDir = await mkdtemp(path.join(tmpdir(), "gl-offers-"));
    services = await createServices(devnetConfig(devnet, dataDir), undefined, {
      indexer: false,
      anchorTimer: false,
    });
    app = createApp(services.context);
    // Accounts 1 and 2 become approved prosumers on feeder 1 (the relay takes only eligible offers).
    const actors = devnetActors(devnet);
    for (const i of [1, 2]) {
      await actors.apply(DEVNET_KEYS[i]!, i === 1 ? 1 : 5);
      await actors.approve(DEVNET_KEYS[0]!, chain.address(i), "PROSUMER_ROLE");
    }
    // The operator (account 0) triggers an event with a budget pulled from its token balance.
    const registry = contractAddress(chain.deployment, "DispatchRegistry");
    const token = contractAddress(chain.deployment, "GridToken");
    const budget = 1_000_000n;
    await chain.write("mint", 0, {
      address: token,
      abi: abis.GridToken,
      functionName: "mint",
      args: [chain.address(0), budget],
    });
    await chain.write("approve", 0, {
      address: token,
      abi: abis.GridToken,
      functionName: "approve",
      args: [registry, budget],
    });
    openedAt = await chain.latestTimestamp();
    await chain.write("trigger", 0, {
      address: registry,
      abi: abis.DispatchRegistry,
      functionName: "trigger",
      args: [
        {
          reason: 1,
          feederId: 1,
          requestedW: -500_000n,
          start: openedAt + 600,
          duration: 3600,
          quoteDeadline: openedAt + 300,
          budget,
          dataHash: keccak256(toHex("alarm")),
          dataCid: "",
        },
      ],
    });
    eventId = await chain.publicClient.readContract({
      address: registry,
      abi: abis.DispatchRegistry,
      functionName: "eventCount",
    });
  });
  afterAll(async () => {
    await services?.close();
    await chain?.close();
    await devnet?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("takes a provider's signed offer, lists it for the operator, and keeps only the newest", async () => {
    const at = openedAt + 10;
    const first = await signOffer(chain, 1, eventId, {
      maxPowerW: 300_000,
      maxEnergyWh: 300_000n,
      signedAt: at,
      segments: [segment(100, 300_000n), segment(200, 400_000n)],
    });
    const posted = await request(app)
      .post(`/v1/dispatch/events/${eventId}/offers`)
      .send(first)
      .expect(201);
    expect(posted.body.offer).toMatchObject({ eventId: eventId.toString(), maxPowerW: 300_000 });
    const newer = await signOffer(chain, 1, eventId, {
      maxPowerW: 250_000,
      maxEnergyWh: 250_000n,
      signedAt: at + 1,
      segments: [segment(250, 350_000n)],
    });
    await request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(newer).expect(201);
    const other = await signOffer(chain, 2, eventId, {
      maxPowerW: 100_000,
      maxEnergyWh: 100_000n,
      signedAt: at,
      segments: [segment(100, 500_000n)],
    });
    await request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(other).expect(201);
    const list = await request(app).get(`/v1/dispatch/events/${eventId}/offers`).expect(200);
    expect(list.body.offers).toEqual(
      [
        { ...newer, eventId: eventId.toString() },
        { ...other, eventId: eventId.toString() },
      ].sort((a, b) => (BigInt(a.provider) < BigInt(b.provider) ? -1 : 1)),
    );
    // The provider's history shows the offer it made.
    const history = await request(app)
      .get(`/v1/participants/${chain.address(1).toLowerCase()}/history`)
      .expect(200);
    expect(history.body.tdva.map((r: { kind: string }) => r.kind)).toEqual(["offer"]);
  });

  it("refuses an offer whose signature is not the provider's, or signed outside the quote window", async () => {
    // Account 3 signs, claiming to be account 1.
    const forged = await signOffer(
      chain,
      3,
      eventId,
      { maxPowerW: 1, maxEnergyWh: 1n, signedAt: openedAt + 5, segments: [segment(1, 1n)] },
      chain.address(1),
    );
    const res = await request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(forged);
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0].path).toBe("signature");
    const late = await signOffer(chain, 1, eventId, {
      maxPowerW: 1,
      maxEnergyWh: 1n,
      signedAt: openedAt + 301,
      segments: [segment(1, 1n)],
    });
    const lateRes = await request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(late);
    expect(lateRes.status).toBe(422);
    expect(lateRes.body.error.issues[0].path).toBe("signedAt");
    // Nothing already kept was lost.
    const list = await request(app).get(`/v1/dispatch/events/${eventId}/offers`).expect(200);
    expect(list.body.offers).toHaveLength(2);
  });

  it("keeps a provider's newest offer against replays and refuses signers who may not offer", async () => {
    const at = openedAt + 20;
    const post = (body: object) =>
      request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(body);
    const kept = await request(app).get(`/v1/dispatch/events/${eventId}/offers`).expect(200);
    const mine = (kept.body.offers as { provider: string; signedAt: number }[]).find(
      (o) => o.provider === chain.address(1),
    )!;
    // A replay of an older signed offer (or one signed in the same second) cannot replace it.
    const older = await signOffer(chain, 1, eventId, {
      maxPowerW: 1_000,
      maxEnergyWh: 1_000n,
      signedAt: mine.signedAt - 1,
      segments: [segment(1, 1n)],
    });
    const same = await signOffer(chain, 1, eventId, {
      maxPowerW: 2_000,
      maxEnergyWh: 2_000n,
      signedAt: mine.signedAt,
      segments: [segment(2, 1n)],
    });
    for (const stale of [older, same]) {
      const res = await post(stale);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/must be signed later/);
    }
    // Two newer offers racing: whichever order they reach the check in, the later-signed one is
    // what stays (a then b: both taken; b then a: a is refused as older).
    const [a, b] = await Promise.all(
      [1, 2].map((d) =>
        signOffer(chain, 1, eventId, {
          maxPowerW: 10_000 * d,
          maxEnergyWh: 10_000n,
          signedAt: at + d,
          segments: [segment(10 * d, 1n)],
        }),
      ),
    );
    const raced = await Promise.all([post(b!), post(a!)]);
    expect(raced[0]!.status).toBe(201);
    expect([201, 409]).toContain(raced[1]!.status);
    const after = await request(app).get(`/v1/dispatch/events/${eventId}/offers`).expect(200);
    expect(after.body.offers).toContainEqual({ ...b, eventId: eventId.toString() });

    // Account 9 is no participant; account 1 is approved on feeder 1, not on feeder 6.
    const outsider = await signOffer(chain, 9, eventId, {
      maxPowerW: 1,
      maxEnergyWh: 1n,
      signedAt: at,
      segments: [segment(1, 1n)],
    });
    const refused = await post(outsider);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/approved participant on feeder 1 \(status None/);
    const registry = contractAddress(chain.deployment, "DispatchRegistry");
    const now = await chain.latestTimestamp();
    await chain.write("mint", 0, {
      address: contractAddress(chain.deployment, "GridToken"),
      abi: abis.GridToken,
      functionName: "mint",
      args: [chain.address(0), 1_000n],
    });
    await chain.write("approve", 0, {
      address: contractAddress(chain.deployment, "GridToken"),
      abi: abis.GridToken,
      functionName: "approve",
      args: [registry, 1_000n],
    });
    await chain.write("trigger", 0, {
      address: registry,
      abi: abis.DispatchRegistry,
      functionName: "trigger",
      args: [
        {
          reason: 1,
          feederId: 6,
          requestedW: -1_000n,
          start: now + 600,
          duration: 3600,
          quoteDeadline: now + 300,
          budget: 1_000n,
          dataHash: keccak256(toHex("alarm 6")),
          dataCid: "",
        },
      ],
    });
    const feeder6 = await chain.publicClient.readContract({
      address: registry,
      abi: abis.DispatchRegistry,
      functionName: "eventCount",
    });
    const elsewhere = await signOffer(chain, 1, feeder6, {
      maxPowerW: 1,
      maxEnergyWh: 1n,
      signedAt: await chain.latestTimestamp(),
      segments: [segment(1, 1n)],
    });
    const wrongFeeder = await request(app)
      .post(`/v1/dispatch/events/${feeder6}/offers`)
      .send(elsewhere);
    expect(wrongFeeder.status).toBe(403);
    expect(wrongFeeder.body.error.message).toMatch(/feeder 6 \(status Approved, feeder 1\)/);
    // More price segments than the contract's MAX_SEGMENTS (8) are refused before any signature check.
    const nine = await signOffer(chain, 2, eventId, {
      maxPowerW: 9_000,
      maxEnergyWh: 9_000n,
      signedAt: at + 5,
      segments: Array.from({ length: 9 }, (_, i) => segment(1, BigInt(i + 1))),
    });
    const tooMany = await post(nine);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.issues[0].path).toBe("segments");
    // None of it displaced what was kept.
    const final = await request(app).get(`/v1/dispatch/events/${eventId}/offers`).expect(200);
    expect(final.body.offers).toHaveLength(2);
    expect(final.body.offers).toContainEqual({ ...b, eventId: eventId.toString() });
  });

  it("answers bad bodies with 422, bad ids with 400, unknown events with 404, closed events with 409", async () => {
    const bad = await request(app)
      .post(`/v1/dispatch/events/${eventId}/offers`)
      .send({ provider: "0x12", segments: [], extra: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(["provider", "segments", "signature"]),
    );
    expect((await request(app).get("/v1/dispatch/events/0/offers")).status).toBe(400);
    const unknown = await request(app).get(`/v1/dispatch/events/${eventId + 5n}/offers`);
    expect(unknown.status).toBe(404);
    const offer = await signOffer(chain, 1, eventId + 5n, {
      maxPowerW: 1,
      maxEnergyWh: 1n,
      signedAt: openedAt + 5,
      segments: [segment(1, 1n)],
    });
    expect(
      (
        await request(app)
          .post(`/v1/dispatch/events/${eventId + 5n}/offers`)
          .send(offer)
      ).status,
    ).toBe(404);

    await chain.write("cancel", 0, {
      address: contractAddress(chain.deployment, "DispatchRegistry"),
      abi: abis.DispatchRegistry,
      functionName: "cancel",
      args: [eventId],
    });
    const late = await signOffer(chain, 2, eventId, {
      maxPowerW: 1,
      maxEnergyWh: 1n,
      signedAt: openedAt + 5,
      segments: [segment(1, 1n)],
    });
    const closed = await request(app).post(`/v1/dispatch/events/${eventId}/offers`).send(late);
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toMatch(/no longer takes offers/);
  });
});
