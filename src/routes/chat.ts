import { Hono } from "hono";
import { chatRequestSchema, type ChatRequest } from "../openai/schemas";
import { readJsonBody, validate } from "../openai/validate";
import type { ChatChunk } from "../openai/responses";
import { describeFailure } from "../providers/failures";
import { asUpstreamError } from "../providers/http";
import { sseData, SSE_DONE, SSE_HEADERS } from "../streaming/encode";
import { resolveChain } from "../routing/resolve";
import { attemptsHeader, walkChat, type Walked } from "../routing/walk";
import type { AttemptResult } from "../routing/attempt";
import { ClientGone, walkContext } from "../routing/context";
import { redactSecrets } from "../lib/redact";
import { log } from "../lib/log";
import { backgroundOf } from "../middleware/background";
import { observeLlm, type LlmObservation } from "../observability/llm-metrics";
import { recorderFor } from "../observability/recorder";
import type { AppEnv } from "../types";

export function chatRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/chat/completions", async (c) => {
    const settings = c.get("settings");
    const request = validate(chatRequestSchema, await readJsonBody(c.req.raw, settings.maxBodyBytes));
    const providers = c.get("providers");
    const chain = resolveChain(request.model, c.get("config"), settings.defaultProvider, new Set(providers.keys()));
    const streaming = request.stream === true;
    const observed = observeLlm(recorderFor(c.env), { streaming, now: () => Date.now(), waitUntil: backgroundOf(c) });
    const ctx = walkContext(c, observed);
    let walked: Walked<AttemptResult>;
    try {
      walked = await walkChat(ctx, chain, request, streaming ? "stream" : "aggregate");
    } catch (err) {
      ctx.dispose();
      throw err;
    }
    const result = walked.value;
    const headers = { "X-Mana-LLM-Resolved": walked.entry.id, ...attemptsHeader(walked.attempts) };
    if (result.kind === "complete") {
      ctx.dispose();
      observed.completed(result.completion.usage);
      return c.json(result.completion, 200, headers);
    }
    return new Response(sseBody({ ...result, entry: walked.entry, provider: walked.provider }, request, () => ctx.dispose(), (outcome) => ctx.gate.report(walked.provider.name, outcome), c.get("requestId"), observed, ctx.signal), {
      status: 200,
      headers: { ...SSE_HEADERS, ...headers },
    });
  });
  return app;
}

/**
 * The committed stream to the client: the held head first, then chunks as they arrive
 * (pulled one at a time — no buffering). A failure after commit ends the stream with one
 * error event and no `[DONE]`, so no client mistakes a cut answer for a complete one.
 */
function sseBody(
  result: Extract<AttemptResult, { kind: "committed" }> & Pick<Walked<unknown>, "entry" | "provider">,
  request: ChatRequest,
  dispose: () => void,
  report: (o: { kind: "failure"; reason: string }) => void,
  requestId: string,
  observed: LlmObservation,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const includeUsage = request.stream_options?.include_usage === true;
  const model = result.entry.id;
  // The upstream's usage is counted even when the client did not ask to see it.
  let usage: ChatChunk["usage"];
  const finish = () => {
    result.close();
    dispose();
  };
  const encode = (chunk: ChatChunk): Uint8Array | undefined => {
    if (chunk.usage) usage = chunk.usage;
    const out: ChatChunk = { ...chunk, model };
    if (!includeUsage) {
      delete out.usage;
      if (out.choices.length === 0) return undefined;
    }
    return sseData(out);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const chunk of result.head) {
          const bytes = encode(chunk);
          if (bytes) controller.enqueue(bytes);
        }
      },
      async pull(controller) {
        try {
          while (true) {
            const r = await result.rest.next();
            if (r.done) {
              controller.enqueue(SSE_DONE);
              controller.close();
              finish();
              observed.completed(usage);
              return;
            }
            const bytes = encode(r.value);
            if (bytes) {
              controller.enqueue(bytes);
              return;
            }
          }
        } catch (err) {
          if (signal.reason instanceof ClientGone) {
            // Nobody is reading: not the provider's fault, nothing to report or send.
            finish();
            controller.close();
            return;
          }
          const failure = asUpstreamError(err, new AbortController().signal).failure;
          const message = redactSecrets(describeFailure(failure), result.provider);
          if (failure.kind !== "blocked") {
            const reason = failure.kind === "timeout" ? "timeout" : "stream-error";
            report({ kind: "failure", reason });
            observed.interrupted(result.entry, reason);
          }
          log("warn", "stream.failed_after_commit", { request_id: requestId, model, failure: message });
          const code = failure.kind === "timeout" ? "upstream_timeout" : failure.kind === "blocked" ? "content_blocked" : "upstream_stream_error";
          controller.enqueue(
            sseData({ error: { message: `The answer from ${model} was interrupted: ${message}. The response is incomplete.`, type: "upstream_error", code, param: null } }),
          );
          controller.close();
          finish();
        }
      },
      cancel() {
        // The client went away: stop reading and close the upstream at once.
        void result.rest.return(undefined).catch(() => {});
        finish();
      },
    },
    { highWaterMark: 0 },
  );
}
