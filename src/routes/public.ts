import { Hono } from "hono";
import pkg from "../../package.json";
import type { AppEnv } from "../types";

/** Unauthenticated routes: terse liveness only, never error text. */
export function publicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/health", (c) => {
    const providers: Record<string, { status: string }> = {};
    for (const p of c.get("providers").values()) if (p.configured) providers[p.name] = { status: "unknown" };
    return c.json({ status: "healthy", service: "mana-llm", version: pkg.version, providers });
  });
  return app;
}
