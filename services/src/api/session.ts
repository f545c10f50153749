import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, type Address, type PublicClient } from "viem";
import { generateSiweNonce, parseSiweMessage, validateSiweMessage } from "viem/siwe";
import { UnauthorizedError, UnavailableError } from "@gridledger/domain/errors";

/** A signed-in account. */
export type Session = { address: Address; expiresAt: number };

const TOKEN_PREFIX = "gl1";
const NONCE_TTL_MS = 5 * 60_000;
const MAX_NONCES = 10_000;

/**
 * Sign-In with Ethereum (EIP-4361) and session tokens. `issueNonce` hands out a single-use nonce;
 * `signIn` checks a signed SIWE message (domain, chain id, nonce, time window, signature through
 * viem's verifySiweMessage, so smart-contract wallets work too) and returns a session token: an
 * HMAC-SHA256-signed `gl1.<payload>.<mac>` carrying the address and expiry. Roles are not in the
 * token: they are looked up on-chain per request, so a revocation takes effect at once.
 *
 * @example
 *   const { nonce } = auth.issueNonce()
 *   const { token } = await auth.signIn(message, signature, "localhost:8787")
 *   const session = auth.authenticate(`Bearer ${token}`)
 */
export class SiweSessions {
  readonly #secret: Buffer;
  readonly #ttlS: number;
  readonly #chainId: number;
  readonly #client: PublicClient;
  readonly #domain: string | undefined;
  readonly #nonces = new Map<string, number>();

  constructor(options: {
    secret?: string | undefined;
    ttlS: number;
    chainId: number;
    client: PublicClient;
    /** Expected SIWE domain; when undefined the request's Host header is expected. */
    domain?: string | undefined;
  }) {
    this.#secret = options.secret ? Buffer.from(options.secret) : randomBytes(32);
    this.#ttlS = options.ttlS;
    this.#chainId = options.chainId;
    this.#client = options.client;
    this.#domain = options.domain;
  }

  /** A fresh single-use nonce, valid for five minutes. */
  issueNonce(): { nonce: string; expiresAt: number } {
    const now = Date.now();
    if (this.#nonces.size >= MAX_NONCES) {
      for (const [n, exp] of this.#nonces) if (exp < now) this.#nonces.delete(n);
      if (this.#nonces.size >= MAX_NONCES) throw new UnavailableError("too many pending sign-ins");
    }
    const nonce = generateSiweNonce();
    const expiresAt = now + NONCE_TTL_MS;
    this.#nonces.set(nonce, expiresAt);
    return { nonce, expiresAt };
  }

  /** Verifies a signed SIWE message; returns a session token for its address. */
  async signIn(
    message: string,
    signature: `0x${string}`,
    requestHost: string | undefined,
  ): Promise<{ token: string; address: Address; expiresAt: number }> {
    const fields = parseSiweMessage(message);
    if (!fields.address || !fields.nonce) throw new UnauthorizedError("not a SIWE message");
    const expiry = fields.nonce ? this.#nonces.get(fields.nonce) : undefined;
    if (expiry === undefined || expiry < Date.now()) {
      throw new UnauthorizedError("unknown or expired nonce: ask GET /v1/auth/nonce again");
    }
    const domain = this.#domain ?? requestHost;
    if (fields.chainId !== this.#chainId) {
      throw new UnauthorizedError(`SIWE chain id must be ${this.#chainId}`);
    }
    if (!domain || !validateSiweMessage({ message: fields, domain, nonce: fields.nonce })) {
      throw new UnauthorizedError(
        `SIWE message invalid for domain ${domain ?? "(none)"} or expired`,
      );
    }
    let valid: boolean;
    try {
      valid = await this.#client.verifySiweMessage({
        message,
        signature,
        domain,
        nonce: fields.nonce,
      });
    } catch {
      valid = false;
    }
    if (!valid) throw new UnauthorizedError("SIWE signature does not match the address");
    this.#nonces.delete(fields.nonce);
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
    const expected = this.#mac(payload);
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

  #sign(claims: { sub: string; exp: number }): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${TOKEN_PREFIX}.${payload}.${this.#mac(payload).toString("base64url")}`;
  }

  #mac(payload: string): Buffer {
    return createHmac("sha256", this.#secret).update(`${TOKEN_PREFIX}.${payload}`).digest();
  }
}
