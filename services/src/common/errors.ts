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
