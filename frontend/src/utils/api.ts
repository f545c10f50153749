import { env } from "../config/env.ts";

/** A failed REST API call: status and the API's own message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** GET a JSON resource of the REST API (`/v1/...`), turning API errors into ApiError. */
export function apiGet<T>(path: string, base = env.apiUrl): Promise<T> {
  return apiCall<T>("GET", path, undefined, base);
}

/** POST JSON to the REST API (with a SIWE session token when given), turning API errors into ApiError. */
export function apiPost<T>(
  path: string,
  body: unknown,
  base = env.apiUrl,
  token?: string,
): Promise<T> {
  return apiCall<T>("POST", path, body, base, token);
}

async function apiCall<T>(
  method: "GET" | "POST",
  path: string,
  body: unknown,
  base: string,
  token?: string,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(`The GridLedger API is unreachable (${(error as Error).message}).`, 0);
  }
  const json = (await res.json().catch(() => ({}))) as {
    error?: { message?: string } | string;
    message?: string;
  };
  if (!res.ok) {
    const message =
      typeof json.error === "string"
        ? json.error
        : (json.error?.message ?? json.message ?? res.statusText);
    throw new ApiError(
      `${res.status === 404 ? "Not found" : `API error ${res.status}`}: ${message}`,
      res.status,
    );
  }
  return json as T;
}
