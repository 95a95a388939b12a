import { Hono } from "hono";
import { embeddingsRequestSchema } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import { resolveChain } from "../routing/resolve";
import { walkContext } from "../routing/context";
import { attemptsHeader } from "../routing/walk";
import { vectorToBase64, walkEmbeddings } from "../routing/embeddings";
import { backgroundOf } from "../middleware/background";
import { observeLlm } from "../observability/llm-metrics";
import { recorderFor } from "../observability/recorder";
import type { AppEnv } from "../types";

export function embeddingsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/embeddings", async (c) => {
    const settings = c.get("settings");
    const request = validate(embeddingsRequestSchema, await readJsonBody(c.req.raw, settings.maxBodyBytes));
    const providers = c.get("providers");
    const chain = resolveChain(request.model, c.get("config"), settings.defaultProvider, new Set(providers.keys()));
    const observed = observeLlm(recorderFor(c.env), { streaming: false, now: () => Date.now(), waitUntil: backgroundOf(c) });
    const ctx = walkContext(c, observed);
    try {
      const { value, entry, attempts } = await walkEmbeddings(ctx, chain, request);
      // An estimated count is ours, not the provider's: left out of the token metric.
      observed.completed(value.usageEstimated ? undefined : value.usage);
      const base64 = request.encoding_format === "base64";
      return c.json(
        {
          object: "list",
          data: value.vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? vectorToBase64(v) : v })),
          model: entry.id,
          usage: value.usage,
        },
        200,
        {
          "X-Mana-LLM-Resolved": entry.id,
          ...attemptsHeader(attempts),
          ...(value.usageEstimated ? { "X-Mana-LLM-Usage": "estimated" } : {}),
        },
      );
    } finally {
      ctx.dispose();
    }
  });
  return app;
}
