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
export async function apiGet<T>(path: string, base = env.apiUrl): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { headers: { accept: "application/json" } });
  } catch (error) {
    throw new ApiError(`The GridLedger API is unreachable (${(error as Error).message}).`, 0);
  }
  const body = (await res.json().catch(() => ({}))) as {
    error?: { message?: string } | string;
    message?: string;
  };
  if (!res.ok) {
    const message =
      typeof body.error === "string"
        ? body.error
        : (body.error?.message ?? body.message ?? res.statusText);
    throw new ApiError(
      `${res.status === 404 ? "Not found" : `API error ${res.status}`}: ${message}`,
      res.status,
    );
  }
  return body as T;
}
