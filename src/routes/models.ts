import { Hono } from "hono/tiny";
import { ApiError } from "../openai/errors";
import type { RouterConfig } from "../config/aliases";
import type { ModelInfo } from "../openai/responses";
import { adapterFor } from "../providers/registry";
import type { ProviderConfig } from "../providers/types";
import { log } from "../lib/log";
import { redactSecrets } from "../lib/redact";
import type { AppEnv } from "../types";

/** Provider model lists change rarely; the colo cache spares upstreams a call per listing. */
const MODEL_LIST_TTL_S = 300;

export function aliasModels(config: RouterConfig, created: number): ModelInfo[] {
  return [...config.aliases.keys()].map((id) => ({ id, object: "model", created, owned_by: "mana-llm" }));
}

/** The body of GET /v1/aliases (and of PUT/DELETE, which answer the config now in force). */
export function describeAliases(config: RouterConfig) {
  return {
    version: config.version,
    source: config.source,
    updated_at: config.updatedAt ?? null,
    default: config.defaultAlias,
    aliases: [...config.aliases.values()].map((a) => ({
      name: a.name,
      description: a.description,
      chain: a.chain.map((e) => e.id),
      ...(a.sameVectorSpace ? { same_vector_space: true } : {}),
    })),
  };
}

/** Model discovery: aliases are listed as models so clients can find them. */
export function modelRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // The ETag is what PUT/POST rollback take in If-Match (DESIGN.md § Operator surfaces).
  app.get("/aliases", (c) => c.json(describeAliases(c.get("config")), 200, { etag: `"${c.get("config").version}"` }));

  // Aliases first, then every configured provider's own models (a provider that does not
  // answer within PROBE_TIMEOUT_MS is left out rather than failing the listing).
  app.get("/models", async (c) => {
    const configured = [...c.get("providers").values()].filter((p) => p.configured);
    const lists = await Promise.all(configured.map((p) => providerModels(p, c.get("settings").probeTimeoutMs)));
    return c.json({ object: "list", data: [...aliasModels(c.get("config"), 0), ...lists.flat()] });
  });

  // `{id}` may contain `/`, raw (mana/fast-text) or percent-encoded (mana%2Ffast-text).
  // c.req.param() has already percent-decoded it; decoding again broke ids containing `%`.
  app.get("/models/:id{.+}", async (c) => {
    const id = c.req.param("id");
    let model = aliasModels(c.get("config"), 0).find((m) => m.id === id);
    const provider = c.get("providers").get(id.slice(0, id.indexOf("/")));
    if (!model && provider?.configured) model = (await providerModels(provider, c.get("settings").probeTimeoutMs)).find((m) => m.id === id);
    if (!model) throw new ApiError(404, `The model '${id}' does not exist`, { code: "model_not_found", param: "model" });
    return c.json(model);
  });

  return app;
}

/** One provider's models, from the colo cache when fresh; [] when the provider does not answer. */
async function providerModels(provider: ProviderConfig, timeoutMs: number): Promise<ModelInfo[]> {
  const adapter = adapterFor(provider.kind);
  if (!adapter) return [];
  // The key names the endpoint, never the credentials.
  const key = new Request(`https://models.mana-llm.internal/${encodeURIComponent(provider.name)}?base=${encodeURIComponent(provider.baseUrl)}`);
  const cache = typeof caches !== "undefined" ? caches.default : undefined;
  const hit = await cache?.match(key).catch(() => undefined);
  if (hit) return hit.json<ModelInfo[]>();
  try {
    const models = await adapter.listModels(provider, AbortSignal.timeout(timeoutMs));
    await cache?.put(key, new Response(JSON.stringify(models), { headers: { "content-type": "application/json", "cache-control": `max-age=${MODEL_LIST_TTL_S}` } })).catch(() => {});
    return models;
  } catch (err) {
    log("warn", "models.list_failed", { provider: provider.name, error: redactSecrets(err instanceof Error ? err.message : String(err), provider) });
    return [];
  }
}
