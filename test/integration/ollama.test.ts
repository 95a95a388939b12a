/**
 * The native Ollama provider through the Worker, against the fake Ollama (test/fakes/
 * ollama.ts) over loopback: translation both ways, capability skips, failures and the
 * headers that reach a tunnelled GPU. Model names pick the fake's behaviour (`@<tag>`
 * keeps each test's log and state apart; `family+fault` gives a real family a fault).
 */
import type OpenAI from "openai";
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import worker from "../../src/index";
import { forgetBreakerView } from "../../src/breaker/view";
import { ollamaAdapter } from "../../src/providers/ollama/adapter";
import type { ProviderConfig } from "../../src/providers/types";
import type { ChatChunk, ChatCompletion } from "../../src/openai/responses";
import type { OllamaChatRequest } from "../../src/providers/ollama/wire";
import { chainYaml, fakeLog, KEY, postJson, sdkClient, sseEvents, tag } from "../helpers/http";
import { ACCESS_ID, ACCESS_SECRET, OLLAMA_FAKE_KEY } from "../fakes/ollama";
import type { LogEntry } from "../fakes/server";

const fake = inject("ollamaFakeUrl");
const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER_TOOL = {
  type: "function",
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"] } },
};

type Extra = Record<string, unknown>;
const completion = (text: string) => JSON.parse(text) as ChatCompletion;
const chunksOf = (events: string[]) => events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e) as ChatChunk);
/** The /api/chat body the fake received. */
const sentBody = (entry: LogEntry | undefined) => entry!.body as OllamaChatRequest;

/**
 * Calls the Worker with some bindings replaced and waits for its background work
 * (breaker reports travel through ctx.waitUntil), so breaker state can be asserted after.
 */
async function send(overrides: Record<string, string>, path: string, body?: unknown): Promise<{ res: Response; text: string }> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = new Request(`http://router.test${path}`, { method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...overrides } as unknown as Env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

const chat = (model: string, extra: Extra = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra });
/** A chain in ALIASES_YAML (alias mana/t) with a fresh Ollama-kind provider `gpu-<t>` on the fake. */
const freshGpu = (t: string, chain: string[], baseUrl = fake) => ({
  ALIASES_YAML: chainYaml(chain, `providers:\n  gpu-${t}: {kind: ollama, base_url: "${baseUrl}"}\n`),
});
const ollamaLog = (substring: string): Promise<LogEntry[]> => fakeLog("ollamaFakeUrl", substring);

// The built-in `ollama` breaker is shared by every test in this file: start each one closed.
beforeEach(async () => {
  await env.PROVIDER_HEALTH.getByName("ollama").reset(Date.now());
  forgetBreakerView(env.PROVIDER_HEALTH);
});

describe("Ollama answers", () => {
  it("mana/fast-text answers from Ollama as JSON with Ollama's token counts", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: "mana/fast-text", messages: [{ role: "user", content: `hello ${t}` }], temperature: 0.3, max_tokens: 50, stop: "END" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe("ollama/qwen2.5:7b");
    const body = completion(await res.text());
    expect(body).toMatchObject({ object: "chat.completion", model: "ollama/qwen2.5:7b" });
    expect(body.choices[0]).toMatchObject({ message: { role: "assistant", content: "Hello from ollama qwen2.5:7b." }, finish_reason: "stop" });
    expect(body.usage).toEqual({ prompt_tokens: 17, completion_tokens: 5, total_tokens: 22 });

    const sent = (await ollamaLog("qwen2.5:7b")).filter((e) => JSON.stringify(e.body).includes(t));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe("/api/chat");
    expect(sent[0]!.body).toEqual({
      model: "qwen2.5:7b",
      messages: [{ role: "user", content: `hello ${t}` }],
      stream: true,
      options: { temperature: 0.3, num_predict: 50, stop: ["END"] },
    });
  });

  it("mana/fast-text streams SSE from Ollama with usage when asked", async () => {
    const res = await postJson("/v1/chat/completions", chat("mana/fast-text", { stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(res.headers.get("x-mana-llm-resolved")).toBe("ollama/qwen2.5:7b");
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = chunksOf(events);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello from ollama qwen2.5:7b.");
    expect(chunks.every((c) => c.model === "ollama/qwen2.5:7b")).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(["stop"]);
    expect(chunks.find((c) => c.usage)?.usage).toEqual({ prompt_tokens: 17, completion_tokens: 5, total_tokens: 22 });
  });

  it("a recorded stream (two whole tool calls, lines split across writes) comes out as OpenAI tool calls", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", chat(`ollama/replay:chat-tool-calls@${t}`));
    const body = completion(await res.text());
    expect(res.status).toBe(200);
    expect(body.choices[0]!.finish_reason).toBe("tool_calls");
    expect(body.choices[0]!.message.tool_calls!.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["get_weather", { city: "Köln", unit: "celsius" }],
      ["get_time", { timezone: "Europe/Berlin" }],
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 214, completion_tokens: 41, total_tokens: 255 });
  });

  it("a malformed line is skipped, never part of the answer", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", chat(`ollama/qwen2.5:7b+malformed@${t}`));
    expect(res.status).toBe(200);
    expect(completion(await res.text()).choices[0]!.message.content).toBe(`Hello from ollama qwen2.5:7b+malformed@${t}.`);
  });
});

describe("tool calls", () => {
  it("round trip through the OpenAI SDK: tools → tool_calls with JSON-string arguments → tool result → answer", async () => {
    const t = tag();
    const model = `ollama/qwen2.5:7b@${t}`;
    const client = sdkClient();
    const tools = [WEATHER_TOOL] as OpenAI.Chat.Completions.ChatCompletionTool[];
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Köln?" }];
    const first = await client.chat.completions.create({ model, messages, tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("not a function call");
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe("get_weather");
    expect(typeof call.function.arguments).toBe("string");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Köln", unit: "celsius" });

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: '{"temp_c": 21}' });
    const second = await client.chat.completions.create({ model, messages, tools });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.content).toBe('The tool said: {"temp_c": 21}');

    const log = await ollamaLog(t);
    expect(log).toHaveLength(2);
    expect(sentBody(log[0]).tools).toEqual([WEATHER_TOOL]);
    // On the way back the arguments are an object again and the result names its tool.
    expect(sentBody(log[1]).messages.slice(1)).toEqual([
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Köln", unit: "celsius" } } }] },
      { role: "tool", content: '{"temp_c": 21}', tool_name: "get_weather" },
    ]);
  });

  it("streams a tool call as one delta with the id, name and JSON-string arguments", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", chat(`ollama/qwen3:8b@${t}`, { tools: [WEATHER_TOOL], stream: true }));
    const chunks = chunksOf(await sseEvents(res));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Köln","unit":"celsius"}' } }]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("tools to gemma3:12b skip Ollama (it would drop them) and the next entry answers", async () => {
    const t = tag();
    const { res, text } = await send({ ALIASES_YAML: chainYaml([`ollama/gemma3:12b@${t}`, `groq/ok@${t}`]) }, "/v1/chat/completions", chat("mana/t", { tools: [WEATHER_TOOL] }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`ollama/gemma3:12b@${t}=incapable`);
    expect(completion(text).choices[0]!.message.content).toBe(`Hello from groq ok@${t}.`);
    expect(await ollamaLog(t)).toEqual([]);
  });
});

describe("structured output and images", () => {
  it("json_schema reaches Ollama as format", async () => {
    const t = tag();
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const res = await postJson("/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`, { response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } } }));
    expect(res.status).toBe(200);
    expect(JSON.parse(completion(await res.text()).choices[0]!.message.content!)).toEqual({ answer: `Hello from ollama qwen2.5:7b@${t}` });
    const [entry] = await ollamaLog(t);
    expect(sentBody(entry).format).toEqual(schema);
  });

  it('json_object → format "json", and a ```json fence around the answer is stripped (JSON and SSE)', async () => {
    const t = tag();
    const request = chat(`ollama/qwen2.5:7b+fenced@${t}`, { response_format: { type: "json_object" } });
    const res = await postJson("/v1/chat/completions", request);
    const content = completion(await res.text()).choices[0]!.message.content!;
    expect(JSON.parse(content)).toEqual({ answer: `Hello from ollama qwen2.5:7b+fenced@${t}` });
    const streamed = await postJson("/v1/chat/completions", { ...request, stream: true });
    const text = chunksOf(await sseEvents(streamed))
      .map((c) => c.choices[0]?.delta.content ?? "")
      .join("");
    expect(text).toBe(content);
    const log = await ollamaLog(t);
    expect(log.map((e) => sentBody(e).format)).toEqual(["json", "json"]);
  });

  it("a data-URL image reaches Ollama as base64 images", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", {
      model: `ollama/llava:7b@${t}`,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_B64}` } },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const [entry] = await ollamaLog(t);
    expect(sentBody(entry).messages).toEqual([{ role: "user", content: "What is this?", images: [PNG_B64] }]);
  });

  it("an http image URL skips Ollama and the next entry answers", async () => {
    const t = tag();
    const body = {
      model: "mana/t",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "?" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
    };
    const { res } = await send({ ALIASES_YAML: chainYaml([`ollama/llava:7b@${t}`, `openrouter/ok@${t}`]) }, "/v1/chat/completions", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`ollama/llava:7b@${t}=incapable`);
    expect(await ollamaLog(t)).toEqual([]);
  });
});

describe("failures", () => {
  it("a 404 model goes to the next entry without touching the breaker", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const vars = freshGpu(t, [`${gpu}/unknown-model@${t}`, `groq/ok@${t}`]);
    for (let i = 0; i < 3; i++) {
      const { res } = await send(vars, "/v1/chat/completions", chat("mana/t"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/unknown-model@${t}=model-not-found`);
    }
    // Called every time (never skipped as unhealthy), never retried.
    expect(await ollamaLog(`unknown-model@${t}`)).toHaveLength(3);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });

  it("an in-stream error line falls back before anything reaches the client, and counts against the breaker", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const { res, text } = await send(freshGpu(t, [`${gpu}/qwen2.5:7b+stream-error:2@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/qwen2.5:7b+stream-error:2@${t}=stream-error`);
    expect(completion(text).choices[0]!.message.content).toBe(`Hello from groq ok@${t}.`);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 1 });
  });

  it("a stream cut before the done line falls back", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const { res } = await send(freshGpu(t, [`${gpu}/qwen2.5:7b+cut:2@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/qwen2.5:7b+cut:2@${t}=stream-error`);
  });

  it("Ollama down (closed port) → the cloud entry of mana/fast-text answers", async () => {
    const { res, text } = await send({ OLLAMA_URL: "http://127.0.0.1:1" }, "/v1/chat/completions", chat("mana/fast-text"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe("groq/llama-3.1-8b-instant");
    expect(res.headers.get("x-mana-llm-attempts")).toBe("ollama/qwen2.5:7b=connect");
    expect(completion(text).choices[0]!.message.content).toBe("Hello from groq llama-3.1-8b-instant.");
    // A dead GPU counts against its breaker (unlike a 404 or an incapable entry).
    const snap = await env.PROVIDER_HEALTH.getByName("ollama").snapshot();
    expect(snap.lastError).toBe("connect");
    expect(snap.consecutiveFailures).toBeGreaterThan(0);
  });

  it("a tunnel whose origin is gone (502 page) → http-5xx, the breaker opens, the cloud answers", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const { res, text } = await send(freshGpu(t, [`${gpu}/qwen2.5:7b@${t}`, `groq/ok@${t}`], `${fake}/down`), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/qwen2.5:7b@${t}=http-5xx`);
    expect(text).not.toContain("<html");
    // One same-entry retry for a 5xx: two failures, the threshold.
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "open" });
  });

  it("a model too big for the GPU is skipped as incapable without counting as an outage", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const { res } = await send(freshGpu(t, [`${gpu}/qwen2.5:72b+oom@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/qwen2.5:72b+oom@${t}=incapable`);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });
});

describe("reaching a tunnelled GPU", () => {
  it("sends neither Access nor bearer headers (nor an Origin) when none are configured", async () => {
    const t = tag();
    expect((await postJson("/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`))).status).toBe(200);
    const [entry] = await ollamaLog(t);
    expect(Object.keys(entry!.headers)).not.toContain("cf-access-client-id");
    expect(Object.keys(entry!.headers)).not.toContain("cf-access-client-secret");
    expect(Object.keys(entry!.headers)).not.toContain("authorization");
    expect(Object.keys(entry!.headers)).not.toContain("origin");
  });

  it("sends the Cloudflare Access service token when configured", async () => {
    const t = tag();
    const vars = { OLLAMA_URL: `${fake}/access`, OLLAMA_ACCESS_CLIENT_ID: ACCESS_ID, OLLAMA_ACCESS_CLIENT_SECRET: ACCESS_SECRET };
    const { res } = await send(vars, "/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`));
    expect(res.status).toBe(200);
    const [entry] = await ollamaLog(t);
    expect(entry!.headers).toMatchObject({ "cf-access-client-id": ACCESS_ID, "cf-access-client-secret": ACCESS_SECRET });
    expect(Object.keys(entry!.headers)).not.toContain("authorization");
    expect(Object.keys(entry!.headers)).not.toContain("origin");
  });

  it("without the service token Access redirects to its login page: 502 upstream_auth, no secrets, no login page", async () => {
    const t = tag();
    const { res, text } = await send({ OLLAMA_URL: `${fake}/access` }, "/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`));
    expect(res.status).toBe(502);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("upstream_auth");
    // Following the redirect would have fetched the login page (here: failed to connect, a 503).
    expect(text).not.toContain("cloudflareaccess");
    expect(await ollamaLog(t)).toHaveLength(1);
  });

  it("sends Authorization: Bearer when OLLAMA_API_KEY is set", async () => {
    const t = tag();
    const { res } = await send({ OLLAMA_URL: `${fake}/bearer`, OLLAMA_API_KEY: OLLAMA_FAKE_KEY }, "/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`));
    expect(res.status).toBe(200);
    const [entry] = await ollamaLog(t);
    expect(entry!.headers.authorization).toBe(`Bearer ${OLLAMA_FAKE_KEY}`);
    expect(Object.keys(entry!.headers)).not.toContain("cf-access-client-id");
  });

  it("a wrong bearer key is upstream_auth and the key never appears in the answer", async () => {
    const t = tag();
    const { res, text } = await send({ OLLAMA_URL: `${fake}/bearer`, OLLAMA_API_KEY: "wrong-ollama-key-123" }, "/v1/chat/completions", chat(`ollama/qwen2.5:7b@${t}`));
    expect(res.status).toBe(502);
    expect(text).not.toContain("wrong-ollama-key-123");
  });
});

describe("embeddings, models and probe", () => {
  const provider = (baseUrl: string, over: Partial<ProviderConfig> = {}): ProviderConfig => ({ name: "ollama", kind: "ollama", baseUrl, configured: true, headers: {}, prefill: true, ...over });

  it("embeds a batch through /api/embed with Ollama's token count", async () => {
    const t = tag();
    const { res, text } = await send({}, "/v1/embeddings", { model: `ollama/nomic-embed-text@${t}`, input: ["Hallo Welt", "Guten Morgen Köln"] });
    expect(res.status).toBe(200);
    const body = JSON.parse(text) as { data: unknown[]; usage: unknown };
    expect(body.data).toHaveLength(2);
    expect(body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(res.headers.get("x-mana-llm-usage")).toBeNull();
    const [entry] = await ollamaLog(t);
    expect(entry!.path).toBe("/api/embed");
    expect(entry!.body).toEqual({ model: `nomic-embed-text@${t}`, input: ["Hallo Welt", "Guten Morgen Köln"], truncate: false });
  });

  it("estimates embedding usage, and says so, when Ollama gives no count", async () => {
    const t = tag();
    const { res, text } = await send({}, "/v1/embeddings", { model: `ollama/nomic-embed-text+no-count@${t}`, input: "abcdefgh" });
    expect(res.status).toBe(200);
    expect((JSON.parse(text) as { usage: unknown }).usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(res.headers.get("x-mana-llm-usage")).toBe("estimated");
  });

  it("lists models from /api/tags as ollama/<name>", async () => {
    const models = await ollamaAdapter.listModels(provider(fake), AbortSignal.timeout(2000));
    expect(models.map((m) => m.id)).toEqual(["ollama/qwen2.5:7b", "ollama/gemma3:12b", "ollama/llava:7b", "ollama/nomic-embed-text:latest"]);
    expect(models[0]).toEqual({ id: "ollama/qwen2.5:7b", object: "model", created: Math.floor(Date.parse("2025-10-02T16:21:47Z") / 1000), owned_by: "ollama" });
  });

  it("probes GET /api/tags: alive, misconfigured behind Access without a token, dead when closed", async () => {
    expect(await ollamaAdapter.probe(provider(fake), AbortSignal.timeout(2000))).toEqual({ alive: true, status: 200 });
    expect(await ollamaAdapter.probe(provider(`${fake}/access`), AbortSignal.timeout(2000))).toMatchObject({ alive: true, misconfigured: true, status: 302 });
    const withToken = provider(`${fake}/access`, { headers: { "CF-Access-Client-Id": ACCESS_ID, "CF-Access-Client-Secret": ACCESS_SECRET } });
    expect(await ollamaAdapter.probe(withToken, AbortSignal.timeout(2000))).toEqual({ alive: true, status: 200 });
    expect(await ollamaAdapter.probe(provider(`${fake}/down`), AbortSignal.timeout(2000))).toMatchObject({ alive: false, status: 502 });
    expect(await ollamaAdapter.probe(provider("http://127.0.0.1:1"), AbortSignal.timeout(2000))).toMatchObject({ alive: false, error: expect.stringMatching(/connect/) });
  });
});
