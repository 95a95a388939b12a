/**
 * The native Gemini provider through the Worker, against the fake Gemini API on loopback:
 * the vision alias with Ollama down, tool calls keeping their thought signatures, policy
 * blocks, the token limit, rate limits, JSON schemas, and where the API key travels.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import type { ChatChunk, ChatCompletion } from "../../src/openai/responses";
import type { ProviderConfig } from "../../src/providers/types";
import { geminiAdapter } from "../../src/providers/gemini/adapter";
import { fakeVector } from "../fakes/faults";
import type { LogEntry } from "../fakes/server";
import { chainYaml, fakeLog, postJson, postWith, sseEvents, tag } from "../helpers/http";

const KEY = "goog-fake-secret";
const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const OLLAMA_DOWN = { OLLAMA_URL: "http://127.0.0.1:1" };

type Json = Record<string, unknown>;
const completion = async (res: Response) => (await res.json()) as ChatCompletion;
const errorOf = async (res: Response) => ((await res.json()) as { error: ErrorBody }).error;
const chunksOf = async (res: Response) => (await sseEvents(res)).filter((e) => e !== "[DONE]").map((e) => JSON.parse(e) as ChatChunk);

/**
 * Failures that count against a breaker get a provider of their own (a second name for
 * the same fake), so they never open the built-in `google` breaker other tests rely on.
 */
function isolated(name: string, chain: string[]): Record<string, string> {
  const providers = `providers:\n  ${name}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GEMX_KEY}\n`;
  return { ALIASES_YAML: chainYaml(chain, providers), GEMX_KEY: KEY };
}

/** The fake's log entries whose request body mentions this test's tag. */
async function geminiCalls(modelSubstring: string, t: string): Promise<LogEntry[]> {
  return (await fakeLog("geminiFakeUrl", modelSubstring)).filter((e) => JSON.stringify(e.body ?? "").includes(t));
}

function visionRequest(t: string, extra: Json = {}): Json {
  return {
    model: "mana/vision",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: `What is in this picture? (${t})` },
          { type: "image_url", image_url: { url: PNG } },
        ],
      },
    ],
    ...extra,
  };
}

describe("mana/vision with Ollama down answers from Gemini", () => {
  // Ollama is unreachable, its adapter may not be registered yet, or its breaker may already be open.
  const OLLAMA_SKIPPED = /^ollama\/llava:7b=(connect|unconfigured|cache-unhealthy)$/;

  it("as JSON, with the image sent as inlineData and usage reported", async () => {
    const t = tag();
    const res = await postWith(OLLAMA_DOWN, "/v1/chat/completions", visionRequest(t));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe("google/gemini-2.5-flash");
    expect(res.headers.get("x-mana-llm-attempts")).toMatch(OLLAMA_SKIPPED);
    const body = await completion(res);
    expect(body.model).toBe("google/gemini-2.5-flash");
    expect(body.choices[0]!.message.content).toBe("Hello from google gemini-2.5-flash. I see 1 image.");
    expect(body.choices[0]!.finish_reason).toBe("stop");
    // Fake: 11 prompt tokens + 258 per image; 6 answer tokens + 4 thinking tokens.
    expect(body.usage).toEqual({ prompt_tokens: 269, completion_tokens: 10, total_tokens: 279 });

    const [call] = await geminiCalls("gemini-2.5-flash", t);
    expect(call!.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(call!.url).toContain("alt=sse");
    expect(call!.body).toMatchObject({ contents: [{ role: "user", parts: [{ text: expect.stringContaining(t) }, { inlineData: { mimeType: "image/png", data: PNG.split(",")[1] } }] }] });
  });

  it("as SSE, with role first, the same text, usage and [DONE]", async () => {
    const t = tag();
    const res = await postWith(OLLAMA_DOWN, "/v1/chat/completions", visionRequest(t, { stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-mana-llm-resolved")).toBe("google/gemini-2.5-flash");
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as ChatChunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello from google gemini-2.5-flash. I see 1 image.");
    expect(chunks.every((c) => c.model === "google/gemini-2.5-flash")).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(["stop"]);
    expect(chunks.find((c) => c.usage)?.usage).toEqual({ prompt_tokens: 269, completion_tokens: 10, total_tokens: 279 });
  });

  it("an image URL Gemini cannot fetch skips Gemini as incapable and falls through", async () => {
    const t = tag();
    const res = await postWith(OLLAMA_DOWN, "/v1/chat/completions", {
      model: "mana/vision",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: t },
            { type: "image_url", image_url: { url: "http://insecure.example/cat.png" } },
          ],
        },
      ],
    });
    expect(res.headers.get("x-mana-llm-attempts")).toContain("google/gemini-2.5-flash=incapable");
    expect(await geminiCalls("gemini-2.5-flash", t)).toEqual([]);
  });
});

describe("tool calls keep their thought signature across turns", () => {
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather",
        parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city"], additionalProperties: false },
      },
    },
  ];

  it("turn 1 carries the signature out in extra_content; turn 2 sends it back and gets the answer", async () => {
    const t = tag();
    const model = `google/tools@${t}`;
    const user = { role: "user", content: `Weather in Paris? (${t})` };
    const first = await postJson("/v1/chat/completions", { model, messages: [user], tools, tool_choice: "auto" });
    expect(first.status).toBe(200);
    const turn1 = await completion(first);
    expect(turn1.choices[0]!.finish_reason).toBe("tool_calls");
    const message = turn1.choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
        extra_content: { google: { thought_signature: expect.any(String) } },
      },
    ]);
    const toolCall = message.tool_calls![0]!;
    const signature = (toolCall.extra_content as { google: { thought_signature: string } }).google.thought_signature;

    // The client echoes the assistant message back as received, as OpenAI SDKs do.
    const second = await postJson("/v1/chat/completions", {
      model,
      messages: [user, message, { role: "tool", tool_call_id: toolCall.id, content: '{"temp_c": 21}' }],
      tools,
    });
    expect(second.status).toBe(200);
    const turn2 = await completion(second);
    expect(turn2.choices[0]!.message.content).toBe("It is 21 degrees in Paris.");

    const log = await fakeLog("geminiFakeUrl", `tools@${t}`);
    expect(log).toHaveLength(2);
    expect(log[0]!.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "get_weather", parameters: { type: "OBJECT", required: ["city"] } }] }],
      toolConfig: { functionCallingConfig: { mode: "AUTO" } },
    });
    expect(log[1]!.body).toMatchObject({
      contents: [
        { role: "user" },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris", unit: "c" } }, thoughtSignature: signature }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp_c: 21 } } }] },
      ],
    });
  });

  it("the signature also arrives in the SSE tool-call delta", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/tools@${t}`, messages: [{ role: "user", content: "Weather?" }], tools, stream: true });
    expect(res.status).toBe(200);
    const chunks = await chunksOf(res);
    const call = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0];
    expect(call).toMatchObject({ index: 0, function: { name: "get_weather" }, extra_content: { google: { thought_signature: expect.any(String) } } });
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(["tool_calls"]);
  });

  it("a client that drops extra_content still sends the signature back: it is inside the id the router issued", async () => {
    const t = tag();
    const model = `google/tools@${t}`;
    const user = { role: "user", content: "Weather in Paris?" };
    const turn1 = await completion(await postJson("/v1/chat/completions", { model, messages: [user], tools }));
    const issued = turn1.choices[0]!.message.tool_calls![0]!;
    const signature = (issued.extra_content as { google: { thought_signature: string } }).google.thought_signature;
    // What LangChain and runTools send: the call rebuilt from {id, type, function}.
    const rebuilt = { id: issued.id, type: "function", function: issued.function };
    const res = await postJson("/v1/chat/completions", {
      model,
      messages: [user, { role: "assistant", content: null, tool_calls: [rebuilt] }, { role: "tool", tool_call_id: issued.id, content: "sunny" }],
      tools,
    });
    expect(res.status).toBe(200);
    expect((await completion(res)).choices[0]!.message.content).toBe("It is 21 degrees in Paris.");
    const log = await fakeLog("geminiFakeUrl", `tools@${t}`);
    expect(log[1]!.body).toMatchObject({ contents: [{ role: "user" }, { role: "model", parts: [{ functionCall: { name: "get_weather" }, thoughtSignature: signature }] }, { role: "user" }] });
  });

  it("an id the router did not issue: Google's placeholder for a validating model, Google's 400 otherwise", async () => {
    const t = tag();
    const foreign = (model: string) => ({
      model,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_from_elsewhere", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_from_elsewhere", content: "sunny" },
      ],
      tools,
    });
    // gemini-3 validates signatures: the router sends the placeholder, which Google accepts.
    const validating = await postJson("/v1/chat/completions", foreign(`google/gemini-3-flash-preview:tools@${t}`));
    expect(validating.status).toBe(200);
    expect((await completion(validating)).choices[0]!.message.content).toBe("It is 21 degrees in Paris.");
    const [sent] = await fakeLog("geminiFakeUrl", `gemini-3-flash-preview:tools@${t}`);
    expect(sent!.body).toMatchObject({ contents: [{ role: "user" }, { role: "model", parts: [{ thoughtSignature: "skip_thought_signature_validator" }] }, { role: "user" }] });

    // A name the router cannot tell validates gets no placeholder: the fake answers as Google would.
    const res = await postJson("/v1/chat/completions", foreign(`google/tools@${t}`));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.message).toContain("missing a thought_signature");
    expect(error.code).toBe("invalid_argument");
  });

  it("an orphan tool message is a 400 before anything is sent", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", {
      model: `google/tools@${t}`,
      messages: [
        { role: "user", content: "hi" },
        { role: "tool", tool_call_id: "call_nobody", content: "x" },
      ],
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("messages[1].tool_call_id");
    expect(await fakeLog("geminiFakeUrl", `tools@${t}`)).toEqual([]);
  });
});

describe("finish reasons and policy blocks", () => {
  it("SAFETY → 422 naming the category, and the chain does not fall back", async () => {
    const t = tag();
    const res = await postWith(isolated("gsafe", [`google/safety:HARM_CATEGORY_HARASSMENT@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", {
      model: "mana/t",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe("content_blocked");
    expect(error.message).toContain("SAFETY");
    expect(error.message).toContain("HARM_CATEGORY_HARASSMENT");
    expect(await fakeLog("openaiFakeUrl", t)).toEqual([]);
    expect(await fakeLog("geminiFakeUrl", t)).toHaveLength(1);
  });

  it("SAFETY on a stream is a 422 too: nothing was committed", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/safety@${t}`, messages: [{ role: "user", content: "hi" }], stream: true });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).message).toContain("HARM_CATEGORY_DANGEROUS_CONTENT");
  });

  it.each([
    ["recitation", "RECITATION"],
    ["prompt-blocked:PROHIBITED_CONTENT", "PROHIBITED_CONTENT"],
  ])("%s → 422 naming %s", async (fault, reason) => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/${fault}@${t}`, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).message).toContain(reason);
  });

  it("MAX_TOKENS → finish_reason length with the partial text", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/max-tokens@${t}`, messages: [{ role: "user", content: "hi" }], max_tokens: 3 });
    expect(res.status).toBe(200);
    const body = await completion(res);
    expect(body.choices[0]!.message.content).toBe("Hello from google");
    expect(body.choices[0]!.finish_reason).toBe("length");
    expect((await fakeLog("geminiFakeUrl", t))[0]!.body).toMatchObject({ generationConfig: { maxOutputTokens: 3 } });
  });

  it("MALFORMED_FUNCTION_CALL is an upstream error that names it, and the chain moves on", async () => {
    const t = tag();
    const res = await postWith(isolated("gmal", [`gmal/malformed-function-call@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`gmal/malformed-function-call@${t}=stream-error`);
    const alone = await postWith(isolated("gmal2", [`gmal2/malformed-function-call@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] });
    expect(alone.status).toBeGreaterThanOrEqual(500);
    expect((await errorOf(alone)).message).toContain("MALFORMED_FUNCTION_CALL");
  });

  it("an empty candidate with an unknown finish reason is an error, not an empty success", async () => {
    const t = tag();
    const res = await postWith(isolated("gunk", [`gunk/unknown-finish@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect((await errorOf(res)).message).toContain("OTHER");
  });
});

describe("errors and rate limits", () => {
  it("RESOURCE_EXHAUSTED → rate-limited, and the chain falls back to the next entry", async () => {
    const t = tag();
    const res = await postWith(isolated("grate", [`grate/resource-exhausted@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`grate/resource-exhausted@${t}=rate-limited`);
    // The 17 s RetryInfo delay is too long for a same-entry retry: Gemini was asked once.
    expect(await fakeLog("geminiFakeUrl", t)).toHaveLength(1);
  });

  it("a short RetryInfo delay earns one same-entry retry", async () => {
    const t = tag();
    const res = await postWith(isolated("grate2", [`grate2/resource-exhausted:1s:once@${t}`, `groq/ok@${t}`]), "/v1/chat/completions", {
      model: "mana/t",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`grate2/resource-exhausted:1s:once@${t}`);
    expect(await fakeLog("geminiFakeUrl", t)).toHaveLength(2);
  });

  it.each(["unauthenticated", "permission-denied"])("%s → 502 upstream_auth in our own words", async (fault) => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/${fault}@${t}`, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(502);
    const error = await errorOf(res);
    expect(error.code).toBe("upstream_auth");
    expect(error.message).not.toMatch(/OAuth|suspended/);
  });

  it("INVALID_ARGUMENT → 400 with Google's message", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", { model: `google/invalid-argument@${t}`, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain("generation_config.temperature: must be between 0 and 2");
  });

  it("a wrong key (Google's 400 API_KEY_INVALID) is upstream auth, not the caller's 400", async () => {
    const t = tag();
    const res = await postWith({ GOOGLE_API_KEY: "AIza-wrong-key-000000000000" }, "/v1/chat/completions", { model: `google/ok@${t}`, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toContain("upstream_auth");
    expect(text).not.toContain("AIza-wrong-key");
  });
});

describe("structured output", () => {
  it("(the fake, like Google, rejects a raw JSON Schema keyword such as additionalProperties)", async () => {
    const res = await fetch(`${inject("geminiFakeUrl")}/v1beta/models/ok@${tag()}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": KEY },
      body: JSON.stringify({
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
        generationConfig: { responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { a: { type: "STRING" } }, additionalProperties: false } },
      }),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('Unknown name "additionalProperties"');
  });

  it("a json_schema with $schema and additionalProperties is accepted (sanitised for Gemini)", async () => {
    const t = tag();
    const res = await postJson("/v1/chat/completions", {
      model: `google/ok@${t}`,
      messages: [{ role: "user", content: "Give me a person" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          strict: true,
          schema: {
            $schema: "http://json-schema.org/draft-07/schema#",
            type: "object",
            properties: { name: { type: "string" }, tags: { type: "array", items: { type: "string" } }, nick: { type: ["string", "null"] } },
            required: ["name", "tags", "nick"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(res.status).toBe(200);
    const sent = (await fakeLog("geminiFakeUrl", t))[0]!.body as { generationConfig?: unknown };
    expect(sent.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: {
        type: "OBJECT",
        properties: { name: { type: "STRING" }, tags: { type: "ARRAY", items: { type: "STRING" } }, nick: { type: "STRING", nullable: true } },
        required: ["name", "tags", "nick"],
      },
    });
  });
});

describe("embeddings, models and probe", () => {
  const provider = (overrides: Partial<ProviderConfig> = {}): ProviderConfig => ({
    name: "google",
    kind: "gemini",
    baseUrl: `${inject("geminiFakeUrl")}/v1beta`,
    apiKey: KEY,
    configured: true,
    headers: {},
    prefill: false,
    ...overrides,
  });

  it("embeddings go through :batchEmbedContents, in input order", async () => {
    const t = tag();
    const res = await postJson("/v1/embeddings", { model: `google/gemini-embedding-001`, input: [`alpha ${t}`, `beta ${t}`] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe("google/gemini-embedding-001");
    const body = (await res.json()) as { data: Array<{ embedding: number[] }> };
    expect(body.data.map((d) => d.embedding)).toEqual([fakeVector(`alpha ${t}`), fakeVector(`beta ${t}`)]);
    const [call] = await geminiCalls("gemini-embedding-001", t);
    expect(call!.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
  });

  it("listModels pages through GET /models and names models google/<id>", async () => {
    const models = await geminiAdapter.listModels(provider(), AbortSignal.timeout(3000));
    expect(models.map((m) => m.id)).toEqual(["google/gemini-2.5-flash", "google/gemini-2.5-pro", "google/gemini-3-flash-preview", "google/text-embedding-004", "google/gemini-embedding-001"]);
  });

  it("probe: alive; a rejected key is misconfiguration; a closed port is down", async () => {
    expect(await geminiAdapter.probe(provider(), AbortSignal.timeout(3000))).toEqual({ alive: true, status: 200 });
    expect(await geminiAdapter.probe(provider({ apiKey: "wrong" }), AbortSignal.timeout(3000))).toMatchObject({ alive: true, status: 400, misconfigured: true });
    expect(await geminiAdapter.probe(provider({ baseUrl: "http://127.0.0.1:1/v1beta" }), AbortSignal.timeout(3000))).toMatchObject({ alive: false });
  });
});

describe("the API key travels only in x-goog-api-key", () => {
  it("the fake refuses (and logs) a key sent in the URL", async () => {
    const t = tag();
    const res = await fetch(`${inject("geminiFakeUrl")}/v1beta/models/key-in-url-probe@${t}:generateContent?key=${KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain("x-goog-api-key");
    expect((await fakeLog("geminiFakeUrl", `key-in-url-probe@${t}`)).map((e) => e.url)).toEqual([expect.stringContaining("?key=")]);
  });

  afterAll(async () => {
    // Every request the router made to the fake in this file (and any other running now).
    const all = (await fakeLog("geminiFakeUrl", "/v1beta/")).filter((e) => !e.url.includes("key-in-url-probe"));
    expect(all.length).toBeGreaterThan(10);
    for (const e of all) {
      expect(e.url).not.toMatch(/[?&]key=/);
      expect(e.url).not.toContain(KEY);
      expect(e.headers["x-goog-api-key"]).toBeDefined();
    }
  });
});
