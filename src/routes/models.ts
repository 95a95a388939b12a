import { Hono } from "hono";
import { ApiError } from "../openai/errors";
import type { RouterConfig } from "../config/aliases";
import type { ModelInfo } from "../openai/responses";
import type { AppEnv } from "../types";

export function aliasModels(config: RouterConfig, created: number): ModelInfo[] {
  return [...config.aliases.keys()].map((id) => ({ id, object: "model", created, owned_by: "mana-llm" }));
}

/** Model discovery: aliases are listed as models so clients can find them. */
export function modelRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/aliases", (c) => {
    const config = c.get("config");
    return c.json({
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
    });
  });

  app.get("/models", (c) => {
    return c.json({ object: "list", data: aliasModels(c.get("config"), 0) });
  });

  // `{id}` may contain `/`, raw (mana/fast-text) or percent-encoded (mana%2Ffast-text).
  // c.req.param() has already percent-decoded it; decoding again broke ids containing `%`.
  app.get("/models/:id{.+}", (c) => {
    const id = c.req.param("id");
    const model = aliasModels(c.get("config"), 0).find((m) => m.id === id);
    if (!model) throw new ApiError(404, `The model '${id}' does not exist`, { code: "model_not_found", param: "model" });
    return c.json(model);
  });

  return app;
}
