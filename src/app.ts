import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "./openai/errors";
import { requestId } from "./middleware/request-id";
import { apiKeyAuth } from "./middleware/auth";
import { ConfigError } from "./config/aliases";
import { resolveRuntime } from "./config/runtime";
import { log } from "./lib/log";
import { publicRoutes } from "./routes/public";
import { modelRoutes } from "./routes/models";
import { aliasAdminRoutes } from "./routes/aliases-admin";
import { chatRoutes } from "./routes/chat";
import { embeddingsRoutes } from "./routes/embeddings";
import { healthRoutes } from "./routes/health";
import { metricsRoutes } from "./routes/metrics";
import { ClientGone } from "./routing/context";
import { requestMetrics } from "./middleware/request-metrics";
import type { AppEnv } from "./types";

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestMetrics());
  app.use(requestId());
  app.use(async function loadContext(c, next) {
    const { settings, config, providers } = await resolveRuntime(c.env, { now: Date.now(), waitUntil: (p) => c.executionCtx.waitUntil(p) });
    c.set("settings", settings);
    c.set("config", config);
    c.set("providers", providers);
    await next();
  });
  app.use(
    cors({
      origin: (origin, c) => (c.get("settings").corsOrigins.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "X-API-Key", "X-Request-Id"],
      exposeHeaders: ["X-Request-Id", "X-Mana-LLM-Resolved", "X-Mana-LLM-Attempts"],
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      maxAge: 600,
    }),
  );

  app.route("/", publicRoutes());
  app.use("/metrics", apiKeyAuth());
  app.route("/", metricsRoutes());
  app.use("/v1/*", apiKeyAuth());
  app.route("/v1", modelRoutes());
  app.route("/v1", aliasAdminRoutes());
  app.route("/v1", chatRoutes());
  app.route("/v1", embeddingsRoutes());
  app.route("/v1", healthRoutes());

  app.notFound((c) =>
    new ApiError(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, { code: "unknown_route" }).getResponse(),
  );

  app.onError((err, c) => {
    const id = c.get("requestId");
    const headers: Record<string, string> = id ? { "X-Request-Id": id } : {};
    if (err instanceof ApiError) {
      if (err.status >= 500) log("error", "request.failed", { request_id: id, status: err.status, message: err.message });
      return err.getResponse(headers);
    }
    if (err instanceof ClientGone) {
      // Nobody is listening; the upstream call was already aborted. 499 as nginx logs it.
      log("info", "request.client_gone", { request_id: id });
      return new Response(null, { status: 499, headers });
    }
    if (err instanceof ConfigError) {
      log("error", "config.invalid", { request_id: id, message: err.message });
      return new ApiError(500, `Router misconfigured: ${err.message}`, { code: "invalid_configuration" }).getResponse(headers);
    }
    if (err instanceof HTTPException) {
      return new ApiError(err.status as 400, err.message || "Request failed").getResponse(headers);
    }
    // Details only in the log; the client gets a generic message and the id to quote.
    log("error", "request.unhandled", { request_id: id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), stack: err instanceof Error ? err.stack : undefined });
    return new ApiError(500, `Internal error (request id ${id ?? "unknown"})`, { code: "internal_error" }).getResponse(headers);
  });

  return app;
}
