import { Hono } from "hono/tiny";
import { version } from "../../package.json";
import type { AppEnv } from "../types";
import { collectHealth } from "../health/report";

/** Unauthenticated routes: terse liveness only, never error text, from the isolate's cached breaker view. */
export function publicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/health", async (c) => {
    const report = await collectHealth(c.env, c.get("providers"), Date.now(), { cached: true });
    const providers: Record<string, { status: string }> = {};
    for (const [name, p] of Object.entries(report.providers)) providers[name] = { status: p.status };
    return c.json({ status: report.status, service: "mana-llm", version, providers }, 200, { "cache-control": "no-store" });
  });
  return app;
}
