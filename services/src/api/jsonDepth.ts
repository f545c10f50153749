/** A JSON request body nested deeper than the server allows (HTTP 400, code `too_deep`). */
export class JsonTooDeepError extends Error {
  override name = "JsonTooDeepError";
  /** body-parser passes `type` through; the error middleware maps it to 400. */
  readonly type = "entity.too.deep";
  constructor(readonly maxDepth: number) {
    super(`request body nests objects and arrays deeper than ${maxDepth} levels`);
  }
}

/**
 * Throws JsonTooDeepError when the raw JSON text nests objects/arrays deeper than `maxDepth`.
 * It scans the bytes once without recursion, before JSON.parse, so a body of 5,000 brackets
 * never reaches a recursive validator or serialiser (where it would overflow the stack: a 500).
 */
export function assertJsonDepth(raw: Buffer, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new JsonTooDeepError(maxDepth);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
