import { Hono } from "hono/tiny";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "../observability/exposition";
import { METRIC_DEFS } from "../observability/metric-defs";
import { collectMetrics } from "../observability/scrape";
import type { AppEnv } from "../types";

/** GET /metrics: Prometheus text, aggregated across isolates (key-checked in app.ts). */
export function metricsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    const data = await collectMetrics(c.env, c.get("providers"), Date.now());
    return c.body(renderExposition(METRIC_DEFS, data), 200, { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" });
  });
  return app;
}
