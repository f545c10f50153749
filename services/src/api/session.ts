import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, type Address, type PublicClient } from "viem";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";
import { UnauthorizedError, UnavailableError } from "@gridledger/domain/errors";

/** A signed-in account. */
export type Session = { address: Address; expiresAt: number };

const TOKEN_PREFIX = "gl1";
const NONCE_TTL_MS = 5 * 60_000;
/** Used nonces remembered until they expire; reaching this means a flood got past the rate limits. */
const MAX_USED_NONCES = 1_000_000;
const NONCE_RANDOM_BYTES = 16;
const NONCE_MAC_BYTES = 16;

/**
 * Sign-In with Ethereum (EIP-4361) and session tokens.
 *
 * - The SIWE domain and URI a message must name come from configuration, never from the request:
 *   a phishing site that relays a user's signature for its own domain gets nothing.
 * - Nonces are stateless: `<expiry ms, 6 bytes><random, 16 bytes from the CSPRNG>` followed by an
 *   HMAC over it, all hex (SIWE wants alphanumerics). Issuing one stores nothing, so no flood of
 *   `GET /v1/auth/nonce` can fill a table and lock others out; the API also rate-limits per client.
 * - A nonce is consumed synchronously, before the signature check awaits anything, so one signed
 *   message posted many times at once yields one session.
 * - `signIn` returns an HMAC-SHA256-signed `gl1.<payload>.<mac>` token carrying the address and
 *   expiry. Roles are not in the token: they are looked up on-chain per request, so a revocation
 *   takes effect at once.
 *
 * @example
 *   const auth = new SiweSessions({ ttlS: 3600, chainId, client, domain: "app.example", uri: "https://app.example" })
 *   const { nonce } = auth.issueNonce()
 *   const { token } = await auth.signIn(message, signature)
 *   const session = auth.authenticate(`Bearer ${token}`)
 */
export class SiweSessions {
  readonly #secret: Buffer;
  readonly #ttlS: number;
  readonly #chainId: number;
  readonly #client: PublicClient;
  readonly #domain: string;
  readonly #origin: string;
  /** Consumed nonces and their expiry (ms); pruned as they expire. */
  readonly #used = new Map<string, number>();
  #nextPrune = 0;

  constructor(options: {
    secret?: string | undefined;
    ttlS: number;
    chainId: number;
    client: PublicClient;
    /** The SIWE domain (RFC 3986 authority, host[:port]) of the web app users sign in from. */
    domain: string;
    /** The web app's URI; a message's `uri` must have the same origin. */
    uri: string;
  }) {
    this.#secret = options.secret ? Buffer.from(options.secret) : randomBytes(32);
    this.#ttlS = options.ttlS;
    this.#chainId = options.chainId;
    this.#client = options.client;
    this.#domain = options.domain;
    this.#origin = new URL(options.uri).origin;
  }

  /** The domain and URI origin a SIWE message must name on this server. */
  get expected(): { domain: string; uri: string } {
    return { domain: this.#domain, uri: this.#origin };
  }

  /** A fresh single-use nonce, valid for five minutes. Stores nothing. */
  issueNonce(): { nonce: string; expiresAt: number } {
    const expiresAt = Date.now() + NONCE_TTL_MS;
    const body = Buffer.alloc(6 + NONCE_RANDOM_BYTES);
    body.writeUIntBE(expiresAt, 0, 6);
    randomBytes(NONCE_RANDOM_BYTES).copy(body, 6);
    const hex = body.toString("hex");
    return { nonce: hex + this.#nonceMac(hex), expiresAt };
  }

  /** Verifies a signed SIWE message; returns a session token for its address. */
  async signIn(
    message: string,
    signature: `0x${string}`,
  ): Promise<{ token: string; address: Address; expiresAt: number }> {
    const fields = parseSiweMessage(message);
    if (!fields.address || !fields.nonce) throw new UnauthorizedError("not a SIWE message");
    const nonce = fields.nonce;
    const expiry = this.#nonceExpiry(nonce);
    const now = Date.now();
    if (expiry === undefined || expiry < now) {
      throw new UnauthorizedError("unknown or expired nonce: ask GET /v1/auth/nonce again");
    }
    // Consume before anything awaits: concurrent posts of one message cannot all pass.
    if (this.#used.has(nonce)) throw new UnauthorizedError("nonce already used");
    this.#consume(nonce, expiry, now);

    if (fields.chainId !== this.#chainId) {
      throw new UnauthorizedError(`SIWE chain id must be ${this.#chainId}`);
    }
    if (fields.domain !== this.#domain) {
      throw new UnauthorizedError(`SIWE domain must be ${this.#domain}`);
    }
    if (!fields.uri || !sameOrigin(fields.uri, this.#origin)) {
      throw new UnauthorizedError(`SIWE uri must be on ${this.#origin}`);
    }
    if (!validateSiweMessage({ message: fields, domain: this.#domain, nonce })) {
      throw new UnauthorizedError("SIWE message expired or not yet valid");
    }
    let valid: boolean;
    try {
      valid = await this.#client.verifySiweMessage({
        message,
        signature,
        domain: this.#domain,
        nonce,
      });
    } catch {
      valid = false;
    }
    if (!valid) throw new UnauthorizedError("SIWE signature does not match the address");
    const address = getAddress(fields.address);
    const expiresAt = Math.floor(Date.now() / 1000) + this.#ttlS;
    return { token: this.#sign({ sub: address, exp: expiresAt }), address, expiresAt };
  }

  /** The session of an `Authorization: Bearer <token>` header, or undefined when none is sent. */
  authenticate(header: string | undefined): Session | undefined {
    if (header === undefined || header === "") return undefined;
    const match = /^Bearer (.+)$/.exec(header);
    if (!match?.[1]) throw new UnauthorizedError("Authorization must be 'Bearer <token>'");
    const [prefix, payload, mac] = match[1].split(".");
    if (prefix !== TOKEN_PREFIX || !payload || !mac) throw new UnauthorizedError("malformed token");
    const expected = this.#mac(`${TOKEN_PREFIX}.${payload}`);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError("invalid token signature");
    }
    let claims: { sub?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
    } catch {
      throw new UnauthorizedError("malformed token");
    }
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") {
      throw new UnauthorizedError("malformed token");
    }
    if (claims.exp * 1000 <= Date.now()) throw new UnauthorizedError("session expired");
    return { address: getAddress(claims.sub), expiresAt: claims.exp };
  }

  /** Expiry (ms) of a nonce this server issued, or undefined when it is not one of ours. */
  #nonceExpiry(nonce: string): number | undefined {
    const bodyHex = 2 * (6 + NONCE_RANDOM_BYTES);
    if (!/^[0-9a-f]+$/.test(nonce) || nonce.length !== bodyHex + 2 * NONCE_MAC_BYTES) return;
    const hex = nonce.slice(0, bodyHex);
    const given = Buffer.from(nonce.slice(bodyHex), "hex");
    const expected = Buffer.from(this.#nonceMac(hex), "hex");
    if (!timingSafeEqual(given, expected)) return;
    return Buffer.from(hex, "hex").readUIntBE(0, 6);
  }

  #consume(nonce: string, expiry: number, now: number): void {
    if (now >= this.#nextPrune || this.#used.size >= MAX_USED_NONCES) {
      for (const [n, exp] of this.#used) if (exp < now) this.#used.delete(n);
      this.#nextPrune = now + 10_000;
    }
    if (this.#used.size >= MAX_USED_NONCES) throw new UnavailableError("too many sign-ins");
    this.#used.set(nonce, expiry);
  }

  #nonceMac(hex: string): string {
    return this.#mac(`nonce.${hex}`).subarray(0, NONCE_MAC_BYTES).toString("hex");
  }

  #sign(claims: { sub: string; exp: number }): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${TOKEN_PREFIX}.${payload}.${this.#mac(`${TOKEN_PREFIX}.${payload}`).toString("base64url")}`;
  }

  #mac(text: string): Buffer {
    return createHmac("sha256", this.#secret).update(text).digest();
  }
}

function sameOrigin(uri: string, origin: string): boolean {
  try {
    return new URL(uri).origin === origin;
  } catch {
    return false;
  }
}
