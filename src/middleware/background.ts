import type { Context } from "hono";

/** `ctx.waitUntil` of the request, or a no-op where there is no execution context (app.request in tests). */
export function backgroundOf(c: Context): (p: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return (p) => void p.catch(() => {});
  }
}
