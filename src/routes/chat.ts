import { Hono } from "hono/tiny";
import { chatRequestSchema } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import { answerChat } from "../routing/answer";
import { resolveChain } from "../routing/resolve";
import type { AppEnv } from "../types";
import { respond, walkScope } from "./walk-scope";

/** POST /v1/chat/completions: validate → resolve → walk → respond. */
export function chatRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/chat/completions", async (c) => {
    const settings = c.get("settings");
    const request = validate(chatRequestSchema, await readJsonBody(c.req.raw, settings.maxBodyBytes));
    const chain = resolveChain(request.model, c.get("config"), settings.defaultProvider, new Set(c.get("providers").keys()));
    return respond(c, await answerChat(walkScope(c, request.stream === true), chain, request));
  });
  return app;
}
