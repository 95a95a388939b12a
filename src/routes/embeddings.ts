import { Hono } from "hono/tiny";
import { embeddingsRequestSchema } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import { answerEmbeddings } from "../routing/answer";
import { resolveChain } from "../routing/resolve";
import type { AppEnv } from "../types";
import { respond, walkScope } from "./walk-scope";

/** POST /v1/embeddings: validate → resolve → walk → respond. */
export function embeddingsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/embeddings", async (c) => {
    const settings = c.get("settings");
    const request = validate(embeddingsRequestSchema, await readJsonBody(c.req.raw, settings.maxBodyBytes));
    const chain = resolveChain(request.model, c.get("config"), settings.defaultProvider, new Set(c.get("providers").keys()));
    return respond(c, await answerEmbeddings(walkScope(c, false), chain, request));
  });
  return app;
}
