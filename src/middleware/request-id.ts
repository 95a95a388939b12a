import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fresh ids in the UUID shape without a randomUUID per request (DESIGN.md § Cost per request):
 * 80 random bits drawn once per isolate, then a 48-bit counter. Unique within the isolate, and
 * across isolates as unique as the random prefix. Drawn lazily: Workers allow no randomness at
 * module load.
 */
let prefix: string | undefined;
let counter = 0;

function freshId(): string {
  prefix ??= crypto.randomUUID().slice(0, 24);
  counter = (counter + 1) % 0x1000000000000;
  return prefix + counter.toString(16).padStart(12, "0");
}

/** Keeps the caller's X-Request-Id when it is sane (bounded, no header injection), else makes one. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const given = c.req.raw.headers.get("x-request-id");
    const id = given && SANE_ID.test(given) ? given : freshId();
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
  };
}
