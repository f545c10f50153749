import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/**
 * Parses `value` with `schema` and throws a ValidationError naming every bad field (by dotted
 * path, array indices included) instead of zod's raw issue list.
 *
 * @example parseWith(NetworkSchema, JSON.parse(text), "network")
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  context = "input",
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
    context,
  );
}
