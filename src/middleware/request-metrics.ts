import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { backgroundOf } from "./background";
import { METRICS } from "../observability/metric-defs";
import { recorderFor } from "../observability/recorder";
import type { AppEnv } from "../types";

/** Methods a client can send are open-ended; the label is not. */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** `/v1/models/:id{.+}` → `/v1/models/{id}`: one endpoint per route, whatever the id. */
export function displayPattern(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}

/** Display forms of the route patterns (a fixed, small set), so a request pays no regex for its label. */
const displayed = new Map<string, string>();

/** The route pattern that matched (middleware, registered for every method, does not count). */
export function endpointOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method === "ALL") continue;
    let shown = displayed.get(r.path);
    if (shown === undefined) displayed.set(r.path, (shown = displayPattern(r.path)));
    return shown;
  }
  return "unmatched";
}

/**
 * Counts every request by method, route pattern and status, and times it to the response
 * head. Registered first, so it also sees requests that auth or settings refused.
 */
export function requestMetrics(): MiddlewareHandler<AppEnv> {
  return async function requestMetricsMiddleware(c, next) {
    const started = Date.now();
    await next();
    const recorder = recorderFor(c.env);
    if (!recorder) return;
    const endpoint = endpointOf(c);
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "OTHER";
    recorder.inc(METRICS.requests, { method, endpoint, status: String(c.res.status) });
    recorder.observe(METRICS.requestLatency, { endpoint }, (Date.now() - started) / 1000);
    recorder.flushSoon(backgroundOf(c));
  };
}
