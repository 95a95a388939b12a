/**
 * The runtime alias override (DESIGN.md § HTTP contract): `PUT /v1/aliases` stores a new
 * aliases.yaml in the ConfigStore, `DELETE /v1/aliases` drops it. Both need an admin key and
 * answer the config now in force, in the shape of GET /v1/aliases.
 */
import { Hono } from "hono";
import { CONFIG_STORE_NAME, MAX_OVERRIDE_BYTES, type PutResult } from "../config/config-store";
import { rememberOverride } from "../config/override-view";
import { baseConfig } from "../config/runtime";
import { requireAdmin } from "../middleware/auth";
import { ApiError } from "../openai/errors";
import { readTextBody } from "../openai/validate";
import { log } from "../lib/log";
import type { AppEnv } from "../types";
import { describeAliases } from "./models";

export const YAML_CONTENT_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"] as const;

export function aliasAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.put("/aliases", requireAdmin(), async (c) => {
    const limit = Math.min(c.get("settings").maxBodyBytes, MAX_OVERRIDE_BYTES);
    const limitName = limit < c.get("settings").maxBodyBytes ? "the alias override limit" : "MAX_BODY_BYTES";
    const text = await readTextBody(c.req.raw, limit, YAML_CONTENT_TYPES, limitName);
    if (text.trim() === "") throw new ApiError(400, "Request body is empty; expected YAML in the aliases.yaml format", { code: "invalid_aliases" });
    const now = Date.now();
    // Annotated: RPC wraps each member of the union separately, which defeats inference.
    const result = await storeCall(async (): Promise<PutResult> => await c.env.CONFIG_STORE.getByName(CONFIG_STORE_NAME).put(text, now));
    // The parser's located message ("aliases.yaml line 4: …") is the whole answer; nothing was stored.
    if (!result.ok) throw new ApiError(400, result.error, { code: "invalid_aliases" });
    const config = rememberOverride(c.env.CONFIG_STORE, result.record, now);
    if (!config) throw new ApiError(500, "The stored override could not be read back", { code: "invalid_configuration" });
    // An audit trail of config changes: which request (and so which caller's log line) made it.
    log("info", "config.override_put", { request_id: c.get("requestId"), version: config.version, bytes: new TextEncoder().encode(text).byteLength });
    return c.json(describeAliases(config));
  });

  app.delete("/aliases", requireAdmin(), async (c) => {
    const now = Date.now();
    const record = await storeCall(() => c.env.CONFIG_STORE.getByName(CONFIG_STORE_NAME).delete(now));
    rememberOverride(c.env.CONFIG_STORE, record, now);
    log("info", "config.override_delete", { request_id: c.get("requestId"), version: record.version });
    // What applies without an override: ALIASES_YAML, else the bundled file.
    return c.json(describeAliases(baseConfig(c.env)));
  });

  return app;
}

/** A store that fails a write is a 503 the admin can retry, not an opaque 500. */
async function storeCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    log("error", "config.store_failed", { error: err instanceof Error ? err.message : String(err) });
    throw new ApiError(503, "The config store did not answer; GET /v1/aliases shows the config in force", { code: "config_store_unavailable" });
  }
}
