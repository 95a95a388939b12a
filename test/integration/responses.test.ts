/**
 * POST /v1/responses through the Worker against the loopback fakes: the same walk as chat
 * (resolution, fallback, headers, metrics), answered as a response or as typed events.
 * Every test uses providers of its own (tag) so no failure opens a breaker for the next.
 */
import { describe, expect, inject, it, vi } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import type { ResponseStreamEvent } from "../../src/openai/responses-api";
import type { LogEntry } from "../fakes/server";
import { callWith, chainYaml, fakeLog, ownProviders, postWith, tag } from "../helpers/http";
import { parseExposition, sampleValue } from "../helpers/prometheus";
import { outputText, responseOf, terminal, wireEvents } from "../helpers/responses-wire";

type Json = Record<string, unknown>;

/** Bindings whose alias `mana/t` is `chain`, with this test's own providers: openai-kind, `gpu-<t>` (Ollama) and `gem-<t>` (Gemini). */
function vars(t: string, chain: string[]): Record<string, string> {
  const more = `  gpu-${t}: {kind: ollama, base_url: "${inject("ollamaFakeUrl")}"}\n  gem-${t}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GOOGLE_API_KEY}\n`;
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}${more}`) };
}

const respond = (t: string, chain: string[], body: Json) => postWith(vars(t, chain), "/v1/responses", { model: "mana/t", ...body });
const errorOf = async (res: Response) => ((await res.json()) as { error: ErrorBody }).error;
const bodyOf = (e: LogEntry | undefined) => e!.body as Json;

const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER = { type: "function", name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

describe("POST /v1/responses: JSON", () => {
  it("answers a string input as a completed response, with the walk's headers and the response's usage", async () => {
    const t = tag();
    const res = await respond(t, [`groq-${t}/ok@${t}`], { input: "hi", instructions: "Be brief.", metadata: { run: t } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBeNull();
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const r = await responseOf(res);
    expect(r).toMatchObject({ object: "response", status: "completed", model: `groq-${t}/ok@${t}`, instructions: "Be brief.", metadata: { run: t }, store: false, error: null });
    expect(r.id).toMatch(/^resp_/);
    expect(outputText(r)).toBe(`Hello from groq ok@${t}.`);
    expect(r.output).toEqual([expect.objectContaining({ type: "message", role: "assistant", status: "completed", id: expect.stringMatching(/^msg_/) })]);
    expect(r.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
    // Upstream, it was an ordinary streamed chat request: instructions first, then the input.
    const [sent] = await fakeLog("openaiFakeUrl", `ok@${t}`);
    expect(bodyOf(sent)).toMatchObject({
      stream: true,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
    });
  });

  it("sends items input (messages, parts, a function call and its output) upstream as chat messages in order", async () => {
    const t = tag();
    const input = [
      { role: "developer", content: "Answer in English." },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "Weather in " },
          { type: "input_text", text: "Paris?" },
        ],
      },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me check." }] },
      { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
      { type: "function_call_output", call_id: "call_1", output: "18°C, sunny" },
      { role: "user", content: "And so?" },
    ];
    const res = await respond(t, [`groq-${t}/ok@${t}`], { input, tools: [WEATHER] });
    expect(res.status).toBe(200);
    expect(outputText(await responseOf(res))).toBe(`Hello from groq ok@${t}.`);
    const [sent] = await fakeLog("openaiFakeUrl", `ok@${t}`);
    expect(bodyOf(sent).messages).toEqual([
      // The openai-compatible adapter sends a developer message as system, as for chat.
      { role: "system", content: "Answer in English." },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather in " },
          { type: "text", text: "Paris?" },
        ],
      },
      { role: "assistant", content: "Let me check.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "18°C, sunny" },
      { role: "user", content: "And so?" },
    ]);
    expect(bodyOf(sent).tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: WEATHER.parameters } }]);
  });

  it("an input_image part (a data URL) reaches Ollama as base64 images", async () => {
    const t = tag();
    const input = [
      {
        role: "user",
        content: [
          { type: "input_text", text: "What is this?" },
          { type: "input_image", image_url: `data:image/png;base64,${PNG_B64}`, detail: "auto" },
        ],
      },
    ];
    const res = await respond(t, [`gpu-${t}/llava:7b@${t}`], { input });
    expect(res.status).toBe(200);
    const [sent] = await fakeLog("ollamaFakeUrl", t);
    expect(bodyOf(sent).messages).toEqual([{ role: "user", content: "What is this?", images: [PNG_B64] }]);
  });

  it("round-trips a function call: its call_id in the function_call_output reaches the model as the tool result", async () => {
    const t = tag();
    const chain = [`gpu-${t}/qwen2.5:7b@${t}`];
    const first = await responseOf(await respond(t, chain, { input: "Weather in Köln?", tools: [WEATHER] }));
    expect(first.status).toBe("completed");
    const call = first.output.find((i) => i.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", arguments: '{"city":"Köln","unit":"celsius"}', status: "completed", id: expect.stringMatching(/^fc_/) });
    expect(first.output.some((i) => i.type === "message")).toBe(false);
    const { id: _, status: __, ...echo } = call!;
    const second = await responseOf(
      await respond(t, chain, { input: [{ role: "user", content: "Weather in Köln?" }, echo, { type: "function_call_output", call_id: echo.call_id, output: "21°C" }], tools: [WEATHER] }),
    );
    expect(outputText(second)).toBe("The tool said: 21°C");
    const log = await fakeLog("ollamaFakeUrl", t);
    expect((bodyOf(log[1]).messages as Json[]).slice(1)).toEqual([
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Köln", unit: "celsius" } } }] },
      { role: "tool", content: "21°C", tool_name: "get_weather" },
    ]);
  });

  it("text.format json_schema reaches Ollama as format and the answer is the JSON", async () => {
    const t = tag();
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const r = await responseOf(await respond(t, [`gpu-${t}/qwen2.5:7b@${t}`], { input: "hi", text: { format: { type: "json_schema", name: "answer", schema, strict: true } } }));
    expect(JSON.parse(outputText(r))).toEqual({ answer: `Hello from ollama qwen2.5:7b@${t}` });
    expect(r.text.format).toEqual({ type: "json_schema", name: "answer", schema, strict: true });
    const [sent] = await fakeLog("ollamaFakeUrl", t);
    expect(bodyOf(sent).format).toEqual(schema);
  });

  it("text.format json_schema reaches Gemini as responseSchema (sanitised)", async () => {
    const t = tag();
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
    const res = await respond(t, [`gem-${t}/ok@${t}`], { input: `hi ${t}`, text: { format: { type: "json_schema", name: "answer", schema, strict: true } } });
    expect(res.status).toBe(200);
    expect(JSON.parse(outputText(await responseOf(res)))).toEqual({ answer: `Hello from google ok@${t}` });
    const sent = (await fakeLog("geminiFakeUrl", `ok@${t}`))[0];
    expect(bodyOf(sent).generationConfig).toEqual({ responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { answer: { type: "STRING" } }, required: ["answer"] } });
  });

  it("a length cut is status incomplete with reason max_output_tokens", async () => {
    const t = tag();
    const r = await responseOf(await respond(t, [`gpu-${t}/qwen2.5:7b+length@${t}`], { input: "hi", max_output_tokens: 5 }));
    expect(r.status).toBe("incomplete");
    expect(r.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(r.max_output_tokens).toBe(5);
    const [sent] = await fakeLog("ollamaFakeUrl", t);
    expect((bodyOf(sent).options as Json).num_predict).toBe(5);
  });

  it("falls back before answering: a dead primary, then a cut one, answered by the next, and the headers say so", async () => {
    const t = tag();
    const res = await respond(t, [`dead-${t}/ok@${t}`, `groq-${t}/cut:2@${t}`, `openrouter-${t}/ok@${t}`], { input: "hi" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect, groq-${t}/cut:2@${t}=stream-error`);
    const r = await responseOf(res);
    expect(r.model).toBe(`openrouter-${t}/ok@${t}`);
    expect(outputText(r)).toBe(`Hello from openrouter ok@${t}.`);
  });

  it("an exhausted chain is the chat walk's 503 listing every attempt", async () => {
    const t = tag();
    const res = await respond(t, [`dead-${t}/ok@${t}`, `groq-${t}/status:503@${t}`], { input: "hi" });
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.code).toBe("no_healthy_provider");
    expect(error.attempts).toEqual([
      { model: `dead-${t}/ok@${t}`, reason: "connect" },
      { model: `groq-${t}/status:503@${t}`, reason: "http-5xx" },
    ]);
  });
});

describe("POST /v1/responses: what a stateless router refuses", () => {
  const cases: Array<[string, Json, string]> = [
    ["previous_response_id", { previous_response_id: "resp_123" }, "previous_response_id"],
    ["a built-in tool", { tools: [{ type: "web_search" }] }, "tools[0].type"],
    ["background", { background: true }, "background"],
    ["an item_reference", { input: [{ type: "item_reference", id: "msg_123" }] }, "input[0].type"],
  ];
  for (const [what, extra, param] of cases) {
    it(`${what} → 400 naming ${param}, nothing sent upstream`, async () => {
      const t = tag();
      const res = await respond(t, [`groq-${t}/ok@${t}`], { input: "hi", ...extra });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "unsupported_parameter", param });
      expect(error.message).toMatch(/stateless|runs no tools/);
      expect(await fakeLog("openaiFakeUrl", t)).toEqual([]);
    });
  }

  it("a body that is not a Responses request is a 400 naming the field", async () => {
    const t = tag();
    const res = await respond(t, [`groq-${t}/ok@${t}`], { input: [] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("input");
  });
});

describe("POST /v1/responses: streaming", () => {
  const types = (events: Array<{ data: ResponseStreamEvent }>) => events.map((e) => e.data.type);

  it("sends the typed events in order, each numbered, ending in response.completed with usage", async () => {
    const t = tag();
    const res = await respond(t, [`groq-${t}/ok@${t}`], { input: "hi", stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    const events = await wireEvents(res);
    expect(types(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(5).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.name === e.data.type)).toBe(true);
    const deltas = events.flatMap((e) => (e.data.type === "response.output_text.delta" ? [e.data.delta] : []));
    expect(deltas.join("")).toBe(`Hello from groq ok@${t}.`);
    const { response } = terminal(events);
    expect(response).toMatchObject({ status: "completed", model: `groq-${t}/ok@${t}`, usage: { input_tokens: 11, output_tokens: 5, total_tokens: 16 } });
    expect(outputText(response)).toBe(`Hello from groq ok@${t}.`);
  });

  it("streams a tool call: added with call_id and name, argument deltas, done with the whole arguments", async () => {
    const t = tag();
    const events = await wireEvents(await respond(t, [`groq-${t}/tools@${t}`], { input: "weather?", tools: [WEATHER], stream: true }));
    expect(types(events).filter((x) => x.includes("function_call") || x.includes("output_item"))).toEqual([
      "response.output_item.added",
      ...Array(4).fill("response.function_call_arguments.delta"),
      "response.function_call_arguments.done",
      "response.output_item.done",
    ]);
    const { type, response } = terminal(events);
    expect(type).toBe("response.completed");
    expect(response.output).toEqual([
      { type: "function_call", id: expect.stringMatching(/^fc_/), call_id: "call_fake_1", name: "get_weather", arguments: '{"city": "Paris", "unit": "c"}', status: "completed" },
    ]);
  });

  it("falls back before the first content: the silent primary never shows, the headers name who answered", async () => {
    const t = tag();
    const res = await respond(t, [`groq-${t}/silent@${t}`, `openrouter-${t}/ok@${t}`], { input: "hi", stream: true });
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/silent@${t}=timeout`);
    const events = await wireEvents(res);
    expect(terminal(events).response.model).toBe(`openrouter-${t}/ok@${t}`);
    expect(types(events).at(-1)).toBe("response.completed");
  });

  for (const [fault, code] of [
    ["cut:2", "upstream_stream_error"],
    ["stream-error:2", "upstream_stream_error"],
    ["stall:2", "upstream_timeout"],
  ] as const) {
    it(`a ${fault} after commit ends with response.failed carrying the error, never response.completed`, async () => {
      const t = tag();
      const res = await respond(t, [`groq-${t}/${fault}@${t}`, `openrouter-${t}/ok@${t}`], { input: "hi", stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/${fault}@${t}`);
      const events = await wireEvents(res);
      expect(types(events)).not.toContain("response.completed");
      const { type, response } = terminal(events);
      expect(type).toBe("response.failed");
      expect(response.status).toBe("failed");
      expect(response.error).toMatchObject({ code: "server_error", type: code, message: expect.stringContaining("interrupted") });
      // What had arrived is kept, marked incomplete.
      expect(response.output).toEqual([expect.objectContaining({ type: "message", status: "incomplete", content: [expect.objectContaining({ text: "Hello from" })] })]);
      expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
      // Committed: the next entry is never called.
      expect(await fakeLog("openaiFakeUrl", `openrouter-${t}`)).toEqual([]);
    });
  }

  it("closes the upstream connection when the client goes away mid-stream", async () => {
    const t = tag();
    const res = await respond(t, [`groq-${t}/pace:100@${t}`], { input: "hi", stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await vi.waitFor(async () => {
      const [entry] = await fakeLog("openaiFakeUrl", t);
      expect(entry?.aborted).toBe(true);
      expect(entry?.closedAt).toBeDefined();
    });
  });

  it("a length cut ends with response.incomplete (as OpenAI does), not response.completed", async () => {
    const t = tag();
    const events = await wireEvents(await respond(t, [`gpu-${t}/qwen2.5:7b+length@${t}`], { input: "hi", stream: true }));
    const { type, response } = terminal(events);
    expect(type).toBe("response.incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(types(events)).not.toContain("response.completed");
  });
});

describe("POST /v1/responses: metrics", () => {
  it("counts the request, the upstream call and its tokens like chat, JSON and stream", async () => {
    const t = tag();
    const json = await respond(t, [`groq-${t}/ok@${t}`], { input: "hi" });
    await json.text();
    const stream = await respond(t, [`groq-${t}/ok@${t}`], { input: "hi", stream: true });
    await stream.text();
    await expect
      .poll(async () => {
        const exp = parseExposition(await (await callWith({}, "/metrics")).text());
        return [
          sampleValue(exp, "mana_llm_llm_requests_total", { provider: `groq-${t}`, model: `ok@${t}`, streaming: "false" }),
          sampleValue(exp, "mana_llm_llm_requests_total", { provider: `groq-${t}`, model: `ok@${t}`, streaming: "true" }),
          sampleValue(exp, "mana_llm_tokens_total", { provider: `groq-${t}`, model: `ok@${t}`, type: "completion" }),
          (sampleValue(exp, "mana_llm_requests_total", { method: "POST", endpoint: "/v1/responses", status: "200" }) ?? 0) >= 2,
        ];
      })
      .toEqual([1, 1, 10, true]);
  });
});
