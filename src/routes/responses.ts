import { Hono } from "hono/tiny";
import { parseResponsesRequest } from "../openai/responses-api";
import { readJsonBody } from "../openai/validate";
import { answerResponses } from "../routing/answer";
import { resolveChain } from "../routing/resolve";
import type { AppEnv } from "../types";
import { respond, walkScope } from "./walk-scope";

/** POST /v1/responses (stateless): validate → resolve → walk → respond, over the same walk as chat. */
export function responsesRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/responses", async (c) => {
    const settings = c.get("settings");
    const request = parseResponsesRequest(await readJsonBody(c.req.raw, settings.maxBodyBytes));
    const chain = resolveChain(request.model, c.get("config"), settings.defaultProvider, new Set(c.get("providers").keys()));
    return respond(c, await answerResponses(walkScope(c, request.stream === true), chain, request));
  });
  return app;
}
