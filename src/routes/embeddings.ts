import { Hono } from "hono";
import { ApiError } from "../openai/errors";
import { embeddingsRequestSchema } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import type { AppEnv } from "../types";

export function embeddingsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/embeddings", async (c) => {
    const body = await readJsonBody(c.req.raw, c.get("settings").maxBodyBytes);
    validate(embeddingsRequestSchema, body);
    throw new ApiError(501, "Embeddings are not routed yet", { code: "not_implemented" });
  });
  return app;
}
