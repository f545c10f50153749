import { getAddress, verifyTypedData, type Address, type Hex } from "viem";
import { z } from "zod";
import type { ChainClients } from "../chain/clients.ts";
import { contractAddress } from "../chain/deployment.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import {
  ParticipantStatus,
  ParticipantStatusNames,
  abis,
  constants,
  offerTypedData,
} from "@gridledger/protocol";
import type { GraphStore } from "../graph/graphStore.ts";

const DECIMAL = /^(0|[1-9][0-9]*)$/;
// zod runs every check of a schema even after one failed, so the bound must not assume the
// regex passed (BigInt("0*") throws: a 500 found by the API fuzzer, docs/decisions/0461).
const uint = (bits: number) =>
  z
    .string()
    .regex(DECIMAL, "a decimal integer string")
    .refine((s) => !DECIMAL.test(s) || BigInt(s) < 1n << BigInt(bits), `at most ${bits} bits`);

/** A provider's EIP-712 offer for one TDVA event, as the provider's wallet signed it. */
export const SignedOfferSchema = z.strictObject({
  provider: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address"),
  maxPowerW: z
    .number()
    .int()
    .min(1)
    .max(2 ** 32 - 1),
  maxEnergyWh: uint(64),
  signedAt: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40 - 1),
  /** Packed price segments (capacityW << 64 | price per kWh), as the contract takes them. */
  segments: z.array(uint(96)).min(1).max(constants.TdvaMath.MAX_SEGMENTS),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature"),
});
/** An offer as kept: the signed offer with its event id. */
const StoredOfferSchema = SignedOfferSchema.extend({ eventId: z.string() });
export type SignedOffer = z.output<typeof StoredOfferSchema>;

/** Stage.Triggered of IDispatchRegistry: the only stage in which offers are taken. */
const STAGE_TRIGGERED = 1;

/**
 * Carries signed flexibility offers from providers to the operator (MISSION §3: the operator
 * collects the providers' signed offers and submits them with the Dispatch record). An offer is
 * accepted only if its signature recovers to the provider under the DispatchRegistry's EIP-712
 * domain, the event is still open (Triggered) and `signedAt` lies in the event's quote window, so
 * whatever is relayed is something the contract would accept. The provider must be an approved
 * participant on the event's feeder (the contract's own eligibility rule). One offer per provider
 * and event: a replacement must be signed strictly later (`signedAt` increases), so a replayed
 * older offer cannot displace the provider's newer one; submissions per provider and event are
 * serialised so two racing ones cannot both pass that check. Offers are kept in the graph as `TdvaRecord` nodes
 * (kind `offer`) linked to their provider, so they also appear in the provider's history.
 *
 * @example
 *   const relay = new OfferRelay(clients, graph)
 *   await relay.submit(7n, { provider, maxPowerW, maxEnergyWh, signedAt, segments, signature })
 *   const offers = await relay.list(7n)
 */
export class OfferRelay {
  readonly #clients: ChainClients;
  readonly #graph: GraphStore;
  readonly #registry: Address;
  readonly #participants: Address;
  /** Tail of the submissions in flight per provider and event (the check-then-save section). */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(clients: ChainClients, graph: GraphStore) {
    this.#clients = clients;
    this.#graph = graph;
    this.#registry = contractAddress(clients.deployment, "DispatchRegistry");
    this.#participants = contractAddress(clients.deployment, "ParticipantRegistry");
  }

  /** Checks and keeps a signed offer; returns it as stored. */
  async submit(eventId: bigint, input: unknown): Promise<SignedOffer> {
    const offer = parseWith(SignedOfferSchema, input, "offer");
    const provider = getAddress(offer.provider);
    const valid = await verifyTypedData({
      address: provider,
      ...offerTypedData(this.#clients.deployment.chainId, this.#registry),
      message: {
        eventId,
        provider,
        maxPowerW: offer.maxPowerW,
        maxEnergyWh: BigInt(offer.maxEnergyWh),
        signedAt: offer.signedAt,
        segments: offer.segments.map(BigInt),
      },
      signature: offer.signature as Hex,
    }).catch(() => false);
    if (!valid) {
      throw new ValidationError([
        { path: "signature", message: `does not recover to ${provider} for event ${eventId}` },
      ]);
    }
    const trigger = await this.#trigger(eventId);
    if (trigger.stage !== STAGE_TRIGGERED) {
      throw new ConflictError(`event ${eventId} no longer takes offers (stage ${trigger.stage})`);
    }
    if (offer.signedAt < trigger.createdAt || offer.signedAt > trigger.quoteDeadline) {
      throw new ValidationError([
        {
          path: "signedAt",
          message: `outside the event's quote window ${trigger.createdAt}..${trigger.quoteDeadline}`,
        },
      ]);
    }
    await this.#requireEligible(provider, trigger.feederId);
    const key = { registry: this.#registry, eventId, provider };
    return this.#serialised(`${eventId}:${provider}`, async () => {
      const kept = await this.#graph.offers.get(key, StoredOfferSchema);
      if (kept && kept.signedAt >= offer.signedAt) {
        throw new ConflictError(
          `${provider} already has an offer for event ${eventId} signed at ${kept.signedAt}; ` +
            `a replacement must be signed later (this one: ${offer.signedAt})`,
        );
      }
      const stored: SignedOffer = { ...offer, provider, eventId: eventId.toString() };
      await this.#graph.offers.save(key, offer.signedAt * 1000, stored);
      return stored;
    });
  }

  /** Runs `task` after every earlier task of the same key has settled. */
  async #serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#inFlight.get(key) ?? Promise.resolve();
    const run = before.then(task, task);
    const tail = run.catch(() => undefined);
    this.#inFlight.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#inFlight.get(key) === tail) this.#inFlight.delete(key);
    }
  }

  /** The contract's eligibility rule: an approved participant on the event's feeder. */
  async #requireEligible(provider: Address, feederId: number): Promise<void> {
    let core;
    try {
      core = await this.#clients.publicClient.readContract({
        address: this.#participants,
        abi: abis.ParticipantRegistry,
        functionName: "participantCore",
        args: [provider],
      });
    } catch (cause) {
      throw new UpstreamError("cannot read the ParticipantRegistry", { cause });
    }
    const [, status, , providerFeeder] = core;
    if (status !== ParticipantStatus.Approved || providerFeeder !== feederId) {
      throw new ForbiddenError(
        `${provider} may not offer for this event: it must be an approved participant on ` +
          `feeder ${feederId} (status ${ParticipantStatusNames[status] ?? status}, feeder ${providerFeeder})`,
      );
    }
  }

  /** The offers kept for an event, one per provider, ordered by provider address. */
  async list(eventId: bigint): Promise<SignedOffer[]> {
    await this.#trigger(eventId); // unknown event: 404
    return this.#graph.offers.forEvent(this.#registry, eventId, StoredOfferSchema);
  }

  async #trigger(eventId: bigint) {
    let result;
    try {
      result = await this.#clients.publicClient.readContract({
        address: this.#registry,
        abi: abis.DispatchRegistry,
        functionName: "tdvaChain",
        args: [eventId],
      });
    } catch (cause) {
      throw new UpstreamError("cannot read the DispatchRegistry", { cause });
    }
    const t = result[0];
    if (t.stage === 0) throw new NotFoundError(`TDVA event ${eventId} not found`);
    return {
      stage: t.stage,
      createdAt: Number(t.createdAt),
      quoteDeadline: Number(t.quoteDeadline),
      feederId: Number(t.feederId),
    };
  }
}
