import { Hono } from "hono/tiny";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorResponse } from "./openai/errors";
import { asRouterError } from "./lib/errors";
import { requestId } from "./middleware/request-id";
import { apiKeyAuth, isKnownKey, presentedKey } from "./middleware/auth";
import { resolveRuntime } from "./config/runtime";
import { log } from "./lib/log";
import { publicRoutes } from "./routes/public";
import { statusRoutes } from "./routes/status";
import { modelRoutes } from "./routes/models";
import { aliasAdminRoutes } from "./routes/aliases-admin";
import { chatRoutes } from "./routes/chat";
import { embeddingsRoutes } from "./routes/embeddings";
import { responsesRoutes } from "./routes/responses";
import { healthRoutes } from "./routes/health";
import { metricsRoutes } from "./routes/metrics";
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
  const corsMiddleware = cors({
    origin: (origin, c) => (c.get("settings").corsOrigins.includes(origin) ? origin : null),
    allowHeaders: ["Authorization", "Content-Type", "X-API-Key", "X-Request-Id"],
    // Retry-After and x-should-retry are not CORS-safelisted: a browser client sees them only when exposed.
    exposeHeaders: ["X-Request-Id", "X-Mana-LLM-Resolved", "X-Mana-LLM-Attempts", "Retry-After", "x-should-retry"],
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    maxAge: 600,
  });
  // Only a browser's cross-origin request (and every preflight) carries Origin: nothing to do
  // without it (DESIGN.md § Cost per request; Hono's cors would still build and merge headers).
  app.use((c, next) => (c.req.raw.headers.has("origin") ? corsMiddleware(c, next) : next()));

  app.route("/", publicRoutes());
  // Its own access check: a key header, a session cookie, or open access.
  app.route("/", statusRoutes({ presentedKey, isKnownKey }));
  app.use("/metrics", apiKeyAuth());
  app.route("/", metricsRoutes());
  app.use("/v1/*", apiKeyAuth());
  app.route("/v1", modelRoutes());
  app.route("/v1", aliasAdminRoutes());
  app.route("/v1", chatRoutes());
  app.route("/v1", responsesRoutes());
  app.route("/v1", embeddingsRoutes());
  app.route("/v1", healthRoutes());

  app.notFound((c) => errorResponse(new ApiError(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, { code: "unknown_route" })));

  // The one place a thrown error becomes an answer: every error knows its view and log line.
  app.onError((thrown, c) => {
    const id = c.get("requestId");
    const err = asRouterError(thrown instanceof HTTPException ? new ApiError(thrown.status, thrown.message || "Request failed") : thrown);
    const line = err.logLine();
    if (line) log(line.level, line.event, { request_id: id, ...line.fields });
    return errorResponse(err, id);
  });

  return app;
}
