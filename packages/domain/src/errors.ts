/**
 * Base of every error GridLedger services raise on purpose: a short message that is safe to show,
 * optional details for logs and an optional cause. The CLI prints `message` (and `details`) and
 * exits non-zero; the API maps subclasses to HTTP statuses.
 */
export class BaseError extends Error {
  override name = "BaseError";
  readonly details: string | undefined;

  constructor(message: string, options: { details?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
  }
}

/** Input failed validation; `issues` names each offending field by its path. */
export class ValidationError extends BaseError {
  override name = "ValidationError";
  readonly issues: { path: string; message: string }[];

  constructor(issues: { path: string; message: string }[], context = "input") {
    super(
      `invalid ${context}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
    );
    this.issues = issues;
  }
}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends BaseError {
  override name = "NotFoundError";
}

/** No valid credentials were presented (HTTP 401). */
export class UnauthorizedError extends BaseError {
  override name = "UnauthorizedError";
}

/** The caller is known but lacks the role the operation needs (HTTP 403). */
export class ForbiddenError extends BaseError {
  override name = "ForbiddenError";
}

/** The request conflicts with the current state, e.g. a duplicate id (HTTP 409). */
export class ConflictError extends BaseError {
  override name = "ConflictError";
}

/** An external system (chain RPC, IPFS, graph database) failed or answered badly (HTTP 502). */
export class UpstreamError extends BaseError {
  override name = "UpstreamError";
}

/** A needed dependency is not reachable or not configured right now (HTTP 503). */
export class UnavailableError extends BaseError {
  override name = "UnavailableError";
}
