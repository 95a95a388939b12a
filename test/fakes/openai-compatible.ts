/**
 * A fake OpenAI-compatible upstream (groq, openrouter, together, openai share it, each
 * under its own path prefix: /groq/v1, /openrouter/v1 …). Speaks the real wire format:
 * SSE `data:` chunks, `[DONE]`, include_usage, the OpenAI error envelope, keep-alive
 * comments. Each provider expects the key `sk-<provider>-fake-secret`.
 */

import { afterPrefill, fakeVector, parseFault, plannedTokens, prefillOf, sleep } from "./faults";
import { transportFault, sendJson, startFake, untilClosed, type FakeContext, type FakeServer } from "./server";

/** The key each provider expects (the demo passes it to the Worker). */
export const fakeKey = (provider: string) => `sk-${provider}-fake-secret`;

export function startFakeOpenAI(): Promise<FakeServer> {
  return startFake("openai-compatible", handle);
}

async function handle(ctx: FakeContext): Promise<void> {
  const { entry, res, body } = ctx;
  const provider = entry.provider;
  const model = typeof (body as { model?: unknown })?.model === "string" ? (body as { model: string }).model : "";
  entry.model = model;
  const auth = entry.headers.authorization ?? "";
  if (auth !== `Bearer ${fakeKey(provider)}`) {
    // Like the real APIs, quote the key received: the router must never pass this through.
    const got = auth.replace(/^Bearer /, "");
    return sendJson(res, 401, { error: { message: `Incorrect API key provided: ${got}.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } });
  }
  const path = entry.path.replace(/^\/[^/]+\/v1/, "");
  // Probe faults, chosen by a base URL of `/<provider>/v1/probe-<fault>[:<arg>][@<tag>]`:
  // `hang` never answers, `status:<code>` answers that status.
  const probeFault = /^\/probe-([a-z]+)(?::(\d+))?(?:@[^/]*)?\/models$/.exec(path);
  if (ctx.req.method === "GET" && probeFault) {
    if (probeFault[1] === "hang") return untilClosed(res);
    // `quote`: a model listing that fails quoting the key it received, as some upstreams do.
    if (probeFault[1] === "quote") return sendJson(res, 500, errorBody(`listing failed for key ${fakeKey(provider)}`, "server_error", null));
    const code = Number(probeFault[2] ?? 500);
    return sendJson(res, code, errorBody(`fake probe failure ${code}`, code >= 500 ? "server_error" : "invalid_request_error", null));
  }
  if (ctx.req.method === "GET" && path === "/models") {
    return sendJson(res, 200, { object: "list", data: [{ id: "ok", object: "model", created: 1700000000, owned_by: provider }] });
  }
  if (ctx.req.method === "POST" && path === "/embeddings") return embeddings(ctx, model);
  if (ctx.req.method === "POST" && path === "/chat/completions") return chat(ctx, provider, model);
  sendJson(res, 404, { error: { message: `Unknown path ${entry.path}`, type: "invalid_request_error", code: null, param: null } });
}

function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, code, param } };
}

/** Handles the faults that happen before any answer; true when it answered. */
async function preAnswerFault(ctx: FakeContext, model: string): Promise<boolean> {
  const { res } = ctx;
  const f = parseFault(model);
  if (await transportFault(ctx, f, model)) return true;
  switch (f.name) {
    case "status": {
      const code = Number(f.args[0]);
      if (f.args[1] === "once" && !ctx.firstTime(`status:${model}`)) return false;
      sendJson(res, code, errorBody(`fake failure ${code}`, code >= 500 ? "server_error" : "invalid_request_error", null));
      return true;
    }
    case "retry-after": {
      if (f.args[1] === "once" && !ctx.firstTime(`ra:${model}`)) return false;
      const headers: Record<string, string> = f.args[0] && f.args[0] !== "none" ? { "retry-after": f.args[0] } : {};
      sendJson(res, 429, errorBody("Rate limit reached", "rate_limit_error", "rate_limit_exceeded"), headers);
      return true;
    }
    case "context-length":
      sendJson(res, 400, errorBody("This model's maximum context length is 8192 tokens.", "invalid_request_error", "context_length_exceeded", "messages"));
      return true;
    case "content-policy":
      sendJson(res, 400, errorBody("Your request was rejected as a result of our safety system.", "invalid_request_error", "content_policy_violation"));
      return true;
    case "bad-request":
      sendJson(res, 400, errorBody("Invalid 'temperature': unsupported by this model.", "invalid_request_error", "invalid_value", "temperature"));
      return true;
    case "quote-key":
      // A 4xx quoting the key the request carried: its text reaches the client's error body.
      sendJson(res, 400, errorBody(`Invalid 'user' for key ${fakeKey(ctx.entry.provider)} (Authorization: Bearer ${fakeKey(ctx.entry.provider)})`, "invalid_request_error", "invalid_value", "user"));
      return true;
    case "unknown-model":
      sendJson(res, 404, errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found"));
      return true;
  }
  return false;
}

async function chat(ctx: FakeContext, provider: string, model: string): Promise<void> {
  const { res, body } = ctx;
  if (await preAnswerFault(ctx, model)) return;
  const f = parseFault(model);
  const includeUsage = (body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
  const stream = (body as { stream?: boolean }).stream === true;
  const id = `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`;
  const base = { id, object: "chat.completion.chunk", created: 1700000000, model };
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> }).messages;
  const prefill = prefillOf(messages);
  if (f.name === "no-prefill" && prefill !== undefined) {
    return sendJson(res, 400, errorBody("The last message must be from the user: assistant prefill is not supported by this model.", "invalid_request_error", "invalid_value", "messages"));
  }
  const tokens = f.name === "empty" ? [] : afterPrefill(plannedTokens(provider, model, messages), prefill);
  // A prefill is input: it counts towards the prompt, as upstreams bill it.
  const prompt = 11 + (prefill === undefined ? 0 : plannedTokens(provider, model, messages).length - tokens.length);
  const usage = { prompt_tokens: prompt, completion_tokens: tokens.length, total_tokens: prompt + tokens.length };

  if (!stream) {
    // The router always streams upstream; a non-streaming call here is a bug worth seeing.
    return sendJson(res, 400, errorBody("fake: the router must stream upstream", "invalid_request_error", null));
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // While `held` is a string, events are collected and leave in one write (the `burst` faults).
  let held: string | undefined;
  const send = (obj: unknown) => {
    const event = `data: ${typeof obj === "string" ? obj : JSON.stringify(obj)}\n\n`;
    if (held === undefined) res.write(event);
    else held += event;
  };
  const delta = (d: Record<string, unknown>, finish: string | null = null) => send({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });

  if (f.name === "headers-silent") return untilClosed(res);
  res.write(": OPENROUTER PROCESSING\n\n");
  delta({ role: "assistant", content: "" });
  if (f.name === "slow-first") await sleep(Number(f.args[0] ?? 0));

  if (f.name === "tools") {
    // `tools:after:<n>`: n content tokens first, then the call. `…:burst`: all of it in one write
    // (one read for the router); `…:burst:<ms>`: the first token alone, <ms> later the rest in one write.
    const burst = f.args[2] === "burst";
    const lead = burst && f.args[3] !== undefined ? 1 : 0;
    if (burst && lead === 0) held = "";
    if (f.args[0] === "after") {
      for (const [i, token] of tokens.slice(0, Number(f.args[1] ?? 1)).entries()) {
        if (burst && i === lead && lead > 0) {
          await sleep(Number(f.args[3]));
          held = "";
        }
        delta({ content: token });
      }
    }
    const fragments = ['{"city":', ' "Par', 'is", "unit"', ': "c"}'];
    delta({ tool_calls: [{ index: 0, id: "call_fake_1", type: "function", function: { name: "get_weather", arguments: "" } }] });
    for (const [i, a] of fragments.entries()) {
      // `tools:cut`: the connection ends halfway through the arguments.
      if (f.args[0] === "cut" && i === 2) return void res.end();
      delta({ tool_calls: [{ index: 0, function: { arguments: a } }] });
    }
    delta({}, "tool_calls");
    if (includeUsage) send({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } });
    send("[DONE]");
    return void res.end(held);
  }

  for (let i = 0; i < tokens.length; i++) {
    if (res.destroyed) return;
    if (f.name === "cut" && i === Number(f.args[0] ?? 1)) return void res.end();
    // A reset once the answer has begun (the first call per model name when `:once`).
    if (f.name === "reset" && i === Number(f.args[0] ?? 1) && (f.args[1] !== "once" || ctx.firstTime(`reset:${model}`))) return void ctx.req.socket.destroy();
    if (f.name === "stall" && i === Number(f.args[0] ?? 1)) return untilClosed(res);
    if (f.name === "stream-quote-key" && i === Number(f.args[0] ?? 1)) {
      send({ error: { message: `overloaded while serving key ${fakeKey(provider)}`, type: "server_error", code: "internal_error" } });
      return void res.end();
    }
    if (f.name === "stream-error" && i === Number(f.args[0] ?? 1)) {
      send({ error: { message: "The server had an error while processing your request.", type: "server_error", code: "internal_error" } });
      return void res.end();
    }
    if (f.name === "malformed" && i === 2) res.write("data: {this is not json\n\n");
    delta({ content: tokens[i] });
    await sleep(Number(f.name === "pace" ? f.args[0] : 0) || 0);
  }
  delta({}, "stop");
  if (includeUsage) send({ ...base, choices: [], usage });
  if (f.name === "no-done") return void res.end();
  if (f.name === "no-done-open") return untilClosed(res);
  send("[DONE]");
  res.end();
}

async function embeddings(ctx: FakeContext, model: string): Promise<void> {
  const { res, body } = ctx;
  if (await preAnswerFault(ctx, model)) return;
  const input = (body as { input: unknown }).input;
  const inputs = Array.isArray(input) ? input : [input];
  const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: fakeVector(String(text)) }));
  const tokens = inputs.reduce<number>((n, t) => n + String(t).split(/\s+/).length, 0);
  sendJson(res, 200, { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}
