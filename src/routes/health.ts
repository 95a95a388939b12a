import { Hono } from "hono/tiny";
import { collectHealth } from "../health/report";
import type { AppEnv } from "../types";

/** GET /v1/health (mounted under the key-checked /v1). */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/health", async (c) => {
    const report = await collectHealth(c.env, c.get("providers"), Date.now());
    return c.json(report, 200, { "cache-control": "no-store" });
  });
  return app;
}
