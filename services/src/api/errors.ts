import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import {
  BaseError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UpstreamError,
  ValidationError,
} from "@gridledger/domain/errors";
import { GraphNodeNotFoundError, GraphStoreError } from "../graph/graphStore.ts";
import { ContentStoreError } from "../storage/contentStore.ts";

/** A path parameter or query string failed validation (HTTP 400; bodies give 422). */
export class BadRequestError extends ValidationError {
  override name = "BadRequestError";
}

/** The JSON error body every failing request gets. */
export type ErrorBody = {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
};

function classify(error: unknown): { status: number; code: string } {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === "entity.too.large") return { status: 413, code: "payload_too_large" };
  if (type === "entity.parse.failed") return { status: 400, code: "malformed_json" };
  if (type === "entity.too.deep") return { status: 400, code: "too_deep" };
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return { status: 415, code: "unsupported_encoding" };
  }
  if (error instanceof BadRequestError) return { status: 400, code: "bad_request" };
  if (error instanceof ValidationError) return { status: 422, code: "validation_failed" };
  if (error instanceof UnauthorizedError) return { status: 401, code: "unauthorized" };
  if (error instanceof ForbiddenError) return { status: 403, code: "forbidden" };
  if (error instanceof NotFoundError || error instanceof GraphNodeNotFoundError) {
    return { status: 404, code: "not_found" };
  }
  if (error instanceof ConflictError) return { status: 409, code: "conflict" };
  if (error instanceof UnavailableError) return { status: 503, code: "unavailable" };
  if (
    error instanceof UpstreamError ||
    error instanceof ContentStoreError ||
    error instanceof GraphStoreError
  ) {
    return { status: 502, code: "upstream_failed" };
  }
  if (error instanceof BaseError) return { status: 400, code: "bad_request" };
  return { status: 500, code: "internal" };
}

/**
 * The API's one error middleware: maps error types to statuses (400/422 validation, 401/403 auth,
 * 404, 409, 413 body too large, 429 rate limited (answered by the limiter itself), 502 upstream, 503 unavailable, else 500 and logged) and answers
 * with `{ error: { code, message, issues? } }`. Messages of unexpected errors are not leaked.
 */
export function errorMiddleware(logger: Logger | undefined): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, code } = classify(error);
    const body: ErrorBody = {
      error: {
        code,
        message:
          status === 500
            ? "internal error"
            : status === 413
              ? "request body too large"
              : status === 400 && code === "malformed_json"
                ? "request body is not valid JSON"
                : error instanceof Error
                  ? error.message
                  : String(error),
      },
    };
    if (error instanceof ValidationError) body.error.issues = error.issues;
    if (status >= 500) logger?.error({ err: error, status }, "request failed");
    else logger?.debug({ status, code }, "request refused");
    res.status(status).json(body);
  };
}

/** 404 JSON for routes that do not exist. */
export const unknownRoute: RequestHandler = (req, res) => {
  const body: ErrorBody = {
    error: { code: "not_found", message: `no route ${req.method} ${req.path}` },
  };
  res.status(404).json(body);
};
