import { Hono } from "hono";
import { ApiError } from "../openai/errors";
import { chatRequestSchema } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import type { AppEnv } from "../types";

export function chatRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/chat/completions", async (c) => {
    const body = await readJsonBody(c.req.raw, c.get("settings").maxBodyBytes);
    validate(chatRequestSchema, body);
    throw new ApiError(501, "Chat completions are not routed yet", { code: "not_implemented" });
  });
  return app;
}
