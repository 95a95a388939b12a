/**
 * Real clients of POST /v1/responses, unchanged, pointed at the Worker's fetch: the openai
 * SDK (`responses.create`, `responses.stream`, a tool round trip) and the Vercel AI SDK's
 * default `@ai-sdk/openai` provider (generateText, streamText, a tool loop, generateObject).
 * Each sees a fallback transparently and reports a cut stream as an error.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateObject, generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { describe, expect, inject, it } from "vitest";
import { callWith, chainYaml, fakeLog, KEY, ownProviders, tag } from "../helpers/http";

/** Bindings whose default alias `mana/t` is `chain`, with this test's own providers: openai-kind, `gpu-<t>` (Ollama) and `gem-<t>` (Gemini). */
function vars(t: string, chain: string[]): Record<string, string> {
  const more = `  gpu-${t}: {kind: ollama, base_url: "${inject("ollamaFakeUrl")}"}\n  gem-${t}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GOOGLE_API_KEY}\n`;
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}${more}`) };
}

/** The Worker as the clients' fetch, remembering the router's headers of each answer. */
function workerFetch(overrides: Record<string, string>) {
  const seen: Array<{ status: number; resolved: string | null; attempts: string | null }> = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const u = new URL(String(url));
    const res = await callWith(overrides, u.pathname + u.search, { ...init, key: null });
    seen.push({ status: res.status, resolved: res.headers.get("x-mana-llm-resolved"), attempts: res.headers.get("x-mana-llm-attempts") });
    return res;
  };
  return { fetch, seen };
}

const openai = (t: string, chain: string[]) => {
  const w = workerFetch(vars(t, chain));
  return { client: new OpenAI({ apiKey: KEY, baseURL: "http://router.test/v1", maxRetries: 0, fetch: w.fetch }), seen: w.seen };
};

const aiSdk = (t: string, chain: string[]) => {
  const w = workerFetch(vars(t, chain));
  return { model: createOpenAI({ apiKey: KEY, baseURL: "http://router.test/v1", fetch: w.fetch })("mana/t"), seen: w.seen };
};

const WEATHER_PARAMS = { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"] } as const;

describe("openai SDK: responses", () => {
  it("responses.create (JSON) gets output_text, usage and the id, through a fallback it never sees", async () => {
    const t = tag();
    const { client, seen } = openai(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`]);
    const r = await client.responses.create({ model: "mana/t", input: "hi", instructions: "Be brief." });
    expect(r.output_text).toBe(`Hello from groq ok@${t}.`);
    expect(r.status).toBe("completed");
    expect(r.id).toMatch(/^resp_/);
    expect(r.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
    expect(seen).toEqual([{ status: 200, resolved: `groq-${t}/ok@${t}`, attempts: `dead-${t}/ok@${t}=connect` }]);
  });

  it("responses.stream: deltas, then the final response, past a silent primary", async () => {
    const t = tag();
    const { client, seen } = openai(t, [`groq-${t}/silent@${t}`, `openrouter-${t}/ok@${t}`]);
    const stream = client.responses.stream({ model: "mana/t", input: "hi" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas.join("")).toBe(`Hello from openrouter ok@${t}.`);
    expect(final.output_text).toBe(deltas.join(""));
    expect(final.status).toBe("completed");
    expect(final.usage?.total_tokens).toBe(16);
    expect(seen[0]).toMatchObject({ resolved: `openrouter-${t}/ok@${t}`, attempts: `groq-${t}/silent@${t}=timeout` });
  });

  it("responses.create({stream: true}) on a stream cut after commit ends in response.failed, never completed", async () => {
    const t = tag();
    const { client } = openai(t, [`groq-${t}/cut:2@${t}`]);
    const seen: string[] = [];
    let failed: OpenAI.Responses.Response | undefined;
    for await (const e of await client.responses.create({ model: "mana/t", input: "hi", stream: true })) {
      seen.push(e.type);
      if (e.type === "response.failed") failed = e.response;
    }
    expect(seen).not.toContain("response.completed");
    expect(seen.at(-1)).toBe("response.failed");
    expect(failed?.status).toBe("failed");
    expect(failed?.error?.message).toMatch(/interrupted/);
    // responses.stream's accumulator reports the same: a failed response with its error, not a complete answer.
    const final = await openai(t, [`groq-${t}/cut:2@${t}`])
      .client.responses.stream({ model: "mana/t", input: "hi" })
      .finalResponse();
    expect(final.status).toBe("failed");
    expect(final.error?.code).toBe("server_error");
  });

  it("a tool round trip: function_call out, function_call_output back, the model answers from it", async () => {
    const t = tag();
    const { client } = openai(t, [`gpu-${t}/qwen2.5:7b@${t}`]);
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "get_weather", parameters: WEATHER_PARAMS, strict: false }];
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather in Köln?" }];
    const first = await client.responses.create({ model: "mana/t", input, tools });
    const calls = first.output.filter((i) => i.type === "function_call");
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["get_weather", { city: "Köln", unit: "celsius" }]]);
    // As the SDK docs do it: the model's output items go back as input, then each call's output.
    // (The SDK's output type is wider than its input type: it includes items a router never emits.)
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), ...calls.map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: "21°C" })));
    const second = await client.responses.create({ model: "mana/t", input, tools });
    expect(second.output_text).toBe("The tool said: 21°C");
  });

  it("the stream of a tool call accumulates into function_call items with call_id and whole arguments", async () => {
    const t = tag();
    const { client } = openai(t, [`groq-${t}/tools@${t}`]);
    const final = await client.responses.stream({ model: "mana/t", input: "weather?", tools: [{ type: "function", name: "get_weather", parameters: WEATHER_PARAMS, strict: false }] }).finalResponse();
    expect(final.output.map((i) => i.type === "function_call" && [i.call_id, i.name, JSON.parse(i.arguments)])).toEqual([["call_fake_1", "get_weather", { city: "Paris", unit: "c" }]]);
  });

  it("an unknown model is a 404 the SDK raises as NotFoundError, without retrying", async () => {
    const t = tag();
    const w = workerFetch(vars(t, [`groq-${t}/unknown-model@${t}`]));
    const client = new OpenAI({ apiKey: KEY, baseURL: "http://router.test/v1", maxRetries: 2, fetch: w.fetch });
    const err = await client.responses.create({ model: "mana/t", input: "hi" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(w.seen.map((s) => s.status)).toEqual([404]);
  });

  it("previous_response_id is refused with a 400 the SDK raises as BadRequestError", async () => {
    const t = tag();
    const { client } = openai(t, [`groq-${t}/ok@${t}`]);
    const err = await client.responses.create({ model: "mana/t", input: "hi", previous_response_id: "resp_1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id");
  });
});

describe("@ai-sdk/openai (Responses, the provider's default)", () => {
  const weather = (executed: string[]) => ({
    get_weather: tool({
      description: "Current weather",
      inputSchema: jsonSchema<{ city: string; unit?: string }>(WEATHER_PARAMS),
      execute: async ({ city }) => {
        executed.push(city);
        return `21°C in ${city}`;
      },
    }),
  });

  it("generateText answers through a fallback it never sees", async () => {
    const t = tag();
    const { model, seen } = aiSdk(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`]);
    const r = await generateText({ model, prompt: "hi", maxRetries: 0 });
    expect(r.text).toBe(`Hello from groq ok@${t}.`);
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toMatchObject({ inputTokens: 11, outputTokens: 5 });
    expect(seen).toEqual([{ status: 200, resolved: `groq-${t}/ok@${t}`, attempts: `dead-${t}/ok@${t}=connect` }]);
  });

  it("streamText streams past a silent primary", async () => {
    const t = tag();
    const { model, seen } = aiSdk(t, [`groq-${t}/silent@${t}`, `openrouter-${t}/ok@${t}`]);
    const r = streamText({ model, prompt: "hi", maxRetries: 0 });
    const parts: string[] = [];
    for await (const p of r.textStream) parts.push(p);
    expect(parts.join("")).toBe(`Hello from openrouter ok@${t}.`);
    expect(await r.finishReason).toBe("stop");
    expect(await r.usage).toMatchObject({ inputTokens: 11, outputTokens: 5 });
    expect(seen[0]!.resolved).toBe(`openrouter-${t}/ok@${t}`);
  });

  it("streamText reports a stream cut after commit as an error, not a finished answer", async () => {
    const t = tag();
    const { model } = aiSdk(t, [`groq-${t}/cut:2@${t}`]);
    const errors: unknown[] = [];
    const r = streamText({ model, prompt: "hi", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    const types: string[] = [];
    for await (const p of r.fullStream) types.push(p.type);
    expect(types).toContain("error");
    expect(String((errors[0] as Error)?.message ?? errors[0])).toMatch(/interrupted/);
    expect(await r.finishReason).toBe("error");
  });

  it("a generateText tool loop runs the tool and answers from its result", async () => {
    const t = tag();
    const executed: string[] = [];
    const { model, seen } = aiSdk(t, [`gpu-${t}/qwen2.5:7b@${t}`]);
    const r = await generateText({ model, prompt: "Weather in Köln?", tools: weather(executed), stopWhen: isStepCount(3), maxRetries: 0 });
    expect(executed).toEqual(["Köln"]);
    expect(r.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(r.text).toBe("The tool said: 21°C in Köln");
    expect(seen.map((s) => s.status)).toEqual([200, 200]);
    // The second call carried the call and its output as items.
    const log = await fakeLog("ollamaFakeUrl", t);
    expect((log[1]!.body as { messages: Array<{ role: string }> }).messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
  });

  it("a streamText tool loop does the same over the stream", async () => {
    const t = tag();
    const executed: string[] = [];
    const { model } = aiSdk(t, [`gpu-${t}/qwen2.5:7b@${t}`]);
    const r = streamText({ model, prompt: "Weather in Köln?", tools: weather(executed), stopWhen: isStepCount(3), maxRetries: 0 });
    await r.consumeStream();
    expect(executed).toEqual(["Köln"]);
    expect(await r.text).toBe("The tool said: 21°C in Köln");
  });

  it("generateObject sends text.format json_schema (Ollama format) and parses the object", async () => {
    const t = tag();
    const { model } = aiSdk(t, [`gpu-${t}/qwen2.5:7b@${t}`]);
    const schema = jsonSchema<{ answer: string }>({ type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false });
    const r = await generateObject({ model, schema, prompt: "hi", maxRetries: 0 });
    expect(r.object).toEqual({ answer: `Hello from ollama qwen2.5:7b@${t}` });
    const [sent] = await fakeLog("ollamaFakeUrl", t);
    expect((sent!.body as { format: unknown }).format).toMatchObject({ type: "object", properties: { answer: { type: "string" } }, required: ["answer"] });
  });

  it("generateObject through a Gemini entry: the schema arrives as responseSchema, past a dead primary", async () => {
    const t = tag();
    const { model, seen } = aiSdk(t, [`dead-${t}/ok@${t}`, `gem-${t}/ok@${t}`]);
    const schema = jsonSchema<{ answer: string }>({ type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false });
    const r = await generateObject({ model, schema, prompt: `hi ${t}`, maxRetries: 0 });
    expect(r.object).toEqual({ answer: `Hello from google ok@${t}` });
    expect(seen[0]).toMatchObject({ resolved: `gem-${t}/ok@${t}`, attempts: `dead-${t}/ok@${t}=connect` });
    const [sent] = await fakeLog("geminiFakeUrl", `ok@${t}`);
    expect((sent!.body as { generationConfig: unknown }).generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { answer: { type: "STRING" } }, required: ["answer"] },
    });
  });

  it("with store: true (its default) a follow-up turn references earlier text by id: a 400 that says store: false; with store: false it works", async () => {
    const t = tag();
    const { model } = aiSdk(t, [`groq-${t}/ok@${t}`]);
    const turn1 = await generateText({ model, prompt: "hi", maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "hi" }, ...turn1.response.messages, { role: "user" as const, content: "and again?" }];
    const err = await generateText({ model, messages, maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).statusCode).toBe(400);
    expect((err as APICallError).message).toMatch(/store to false/);
    const turn2 = await generateText({ model, messages, maxRetries: 0, providerOptions: { openai: { store: false } } });
    expect(turn2.text).toBe(`Hello from groq ok@${t}.`);
  });
});
