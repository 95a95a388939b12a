/**
 * The runtime alias override and its history (DESIGN.md § HTTP contract, § Operator
 * surfaces): `PUT /v1/aliases` stores a new aliases.yaml in the ConfigStore, `DELETE` drops
 * it, `GET /v1/aliases/versions` lists the kept versions, `POST /v1/aliases/rollback` makes
 * an older text current again. All need an admin key; writes honour `If-Match` and answer
 * the config now in force, in the shape of GET /v1/aliases, with its `ETag`.
 */
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import type { RouterConfig } from "../config/aliases";
import { CONFIG_STORE_NAME, MAX_OVERRIDE_BYTES, overrideVersion, type PutResult, type VersionEntry, type WriteMeta } from "../config/config-store";
import { rememberOverride } from "../config/override-view";
import { baseConfig } from "../config/runtime";
import { requireAdmin } from "../middleware/auth";
import { ApiError } from "../openai/errors";
import { readJsonBody, readTextBody, validate } from "../openai/validate";
import { log } from "../lib/log";
import type { AppEnv } from "../types";
import { describeAliases } from "./models";

export const YAML_CONTENT_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"] as const;

/** The strong entity tag of a config version. */
const etagOf = (version: string) => `"${version}"`;

/** `If-Match` as the list of versions it names ("*" matches any); undefined when absent. */
function parseIfMatch(header: string | undefined): readonly string[] | "*" | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return "*";
  return header
    .split(",")
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1"),
    )
    .filter((t) => t.length > 0);
}

const RollbackBody = z.strictObject({ version: z.string().check(z.regex(/^override-[1-9]\d{0,15}$/, 'expected a version such as "override-3" (GET /v1/aliases/versions lists them)')) });

export function aliasAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const store = (c: Context<AppEnv>) => c.env.CONFIG_STORE.getByName(CONFIG_STORE_NAME);

  app.put("/aliases", requireAdmin(), async (c) => {
    const limit = Math.min(c.get("settings").maxBodyBytes, MAX_OVERRIDE_BYTES);
    const limitName = limit < c.get("settings").maxBodyBytes ? "the alias override limit" : "MAX_BODY_BYTES";
    const text = await readTextBody(c.req.raw, limit, YAML_CONTENT_TYPES, limitName);
    if (text.trim() === "") throw new ApiError(400, "Request body is empty; expected YAML in the aliases.yaml format", { code: "invalid_aliases" });
    const now = Date.now();
    const meta = writeMeta(c);
    // Annotated: RPC wraps each member of the union separately, which defeats inference.
    const result = await storeCall(async (): Promise<PutResult> => await store(c).put(text, now, meta));
    const config = applied(c, result, now);
    // An audit trail of config changes: which request and which admin key (by position) made it.
    log("info", "config.override_put", { request_id: c.get("requestId"), version: config.version, admin: meta.admin, bytes: new TextEncoder().encode(text).byteLength });
    return c.json(describeAliases(config), 200, { etag: etagOf(config.version) });
  });

  app.post("/aliases/rollback", requireAdmin(), async (c) => {
    const body = validate(RollbackBody, await readJsonBody(c.req.raw, c.get("settings").maxBodyBytes));
    const target = Number(body.version.slice("override-".length));
    const now = Date.now();
    const meta = writeMeta(c);
    const result = await storeCall(async (): Promise<PutResult> => await store(c).rollback(target, now, meta));
    const config = applied(c, result, now);
    log("info", "config.override_rollback", { request_id: c.get("requestId"), version: config.version, from: body.version, admin: meta.admin });
    return c.json(describeAliases(config), 200, { etag: etagOf(config.version) });
  });

  app.get("/aliases/versions", requireAdmin(), async (c) => {
    const versions = await storeCall(async (): Promise<VersionEntry[]> => await store(c).versions());
    const current = c.get("config").version;
    return c.json({
      current,
      versions: versions.map((v) => ({
        version: overrideVersion(v.version),
        created_at: new Date(v.createdAt).toISOString(),
        sha256: v.sha256,
        admin: v.admin,
        action: v.action,
        rolled_back_from: v.rolledBackFrom === null ? null : overrideVersion(v.rolledBackFrom),
      })),
    });
  });

  app.delete("/aliases", requireAdmin(), async (c) => {
    const now = Date.now();
    const record = await storeCall(() => store(c).delete(now));
    rememberOverride(c.env.CONFIG_STORE, record, now);
    log("info", "config.override_delete", { request_id: c.get("requestId"), version: record.version, admin: writeMeta(c).admin });
    // What applies without an override: ALIASES_YAML, else the bundled file.
    const base = baseConfig(c.env);
    return c.json(describeAliases(base), 200, { etag: etagOf(base.version) });
  });

  return app;
}

function writeMeta(c: Context<AppEnv>): WriteMeta {
  const n = c.get("adminKey");
  return { admin: n === null ? "open access" : `admin key #${n}`, ifMatch: parseIfMatch(c.req.header("if-match")), baseVersion: baseConfig(c.env).version };
}

/** A store answer to a write: the config it made current, or the error the admin acts on. */
function applied(c: Context<AppEnv>, result: PutResult, now: number): RouterConfig {
  if (!result.ok) {
    if (result.reason === "stale") throw new ApiError(412, result.error, { code: "precondition_failed", headers: result.current ? { etag: etagOf(result.current) } : {} });
    if (result.reason === "not-found") throw new ApiError(404, result.error, { code: "version_not_found", param: "version" });
    // The parser's located message ("aliases.yaml line 4: …") is the whole answer; nothing was stored.
    throw new ApiError(400, result.error, { code: "invalid_aliases" });
  }
  const config = rememberOverride(c.env.CONFIG_STORE, result.record, now);
  if (!config) throw new ApiError(500, "The stored override could not be read back", { code: "invalid_configuration" });
  return config;
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
