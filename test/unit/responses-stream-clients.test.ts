/**
 * The encoder's events through the real client parsers: the openai SDK's ResponseStream
 * (which checks item identity and order strictly) and @ai-sdk/openai's Responses model
 * (zod schemas per event type). Only the socket is skipped.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { ChatChunk } from "../../src/openai/responses";
import { ResponsesStreamEncoder, type ResponseStreamEvent } from "../../src/openai/responses-api";
import { answering, chunk, META, text, tool as toolDelta, usageChunk } from "../helpers/responses";

const USAGE = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };

function events(chunks: ChatChunk[], failure?: string): ResponseStreamEvent[] {
  const enc = new ResponsesStreamEncoder(META);
  const out = chunks.flatMap((c) => enc.push(c));
  out.push(...(failure ? enc.fail({ code: "stream_error", message: failure }) : enc.finish()));
  return out;
}

const TEXT = [chunk({ role: "assistant" }), text("Bon"), text("jour"), chunk({}, "stop"), usageChunk(USAGE)];
const TOOLS = [
  text("Checking."),
  toolDelta({ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":' } }),
  toolDelta({ index: 0, function: { arguments: '"Paris"}' } }),
  toolDelta({ index: 1, id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }),
  chunk({}, "tool_calls"),
  usageChunk(USAGE),
];

const openaiClient = (fetch: typeof globalThis.fetch) => new OpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch, maxRetries: 0 });
const aiModel = (fetch: typeof globalThis.fetch) => createOpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch })("mana/fast-text");
const weather = { get_weather: tool({ inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }) }) };

describe("openai SDK: responses.stream", () => {
  it("accumulates a text stream into the final response", async () => {
    const t = answering(() => events(TEXT));
    const stream = openaiClient(t.fetch).responses.stream({ model: "mana/fast-text", input: "hello in French" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(["Bon", "jour"]);
    expect(final.output_text).toBe("Bonjour");
    expect(final.status).toBe("completed");
    expect(final.usage?.total_tokens).toBe(14);
  });

  it("accumulates text and two function calls", async () => {
    const t = answering(() => events(TOOLS));
    const final = await openaiClient(t.fetch).responses.stream({ model: "m", input: "weather?" }).finalResponse();
    expect(final.output_text).toBe("Checking.");
    expect(final.output.filter((i) => i.type === "function_call").map((i) => i.type === "function_call" && [i.call_id, i.name, i.arguments])).toEqual([
      ["call_a", "get_weather", '{"city":"Paris"}'],
      ["call_b", "get_weather", '{"city":"Rome"}'],
    ]);
  });

  it("iterating responses.create({stream: true}) sees the events in order, ending in response.completed", async () => {
    const t = answering(() => events(TEXT));
    const seen: string[] = [];
    for await (const e of await openaiClient(t.fetch).responses.create({ model: "m", input: "x", stream: true })) seen.push(e.type);
    expect(seen.at(0)).toBe("response.created");
    expect(seen.at(-1)).toBe("response.completed");
    expect(t.requests[0]).toMatchObject({ stream: true });
  });

  it("a failure after deltas ends as a failed response carrying the error, not a completed one", async () => {
    const t = answering(() => events([text("Bon")], "Upstream stream ended early"));
    const seen: string[] = [];
    const stream = openaiClient(t.fetch).responses.stream({ model: "m", input: "x" });
    stream.on("event", (e) => seen.push(e.type));
    const final = await stream.finalResponse();
    expect(final.status).toBe("failed");
    expect(final.error).toMatchObject({ code: "server_error", message: "Upstream stream ended early" });
    expect(seen).not.toContain("response.completed");
  });
});

describe("@ai-sdk/openai: streamText over the Responses API", () => {
  it("streams text with usage and finish reason stop", async () => {
    const t = answering(() => events(TEXT));
    const r = streamText({ model: aiModel(t.fetch), prompt: "hello", maxRetries: 0 });
    const parts: string[] = [];
    for await (const p of r.textStream) parts.push(p);
    expect(parts.join("")).toBe("Bonjour");
    expect(await r.finishReason).toBe("stop");
    expect(await r.usage).toMatchObject({ inputTokens: 10, outputTokens: 4 });
  });

  it("streams tool calls with their ids and parsed inputs", async () => {
    const t = answering(() => events(TOOLS));
    const r = streamText({ model: aiModel(t.fetch), prompt: "weather?", tools: weather, maxRetries: 0 });
    const types: string[] = [];
    // An event failing the provider's chunk schema would surface as an error part.
    for await (const p of r.fullStream) types.push(p.type);
    expect(types).not.toContain("error");
    expect(await r.text).toBe("Checking.");
    expect(await r.finishReason).toBe("tool-calls");
    expect((await r.toolCalls).map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ["call_a", "get_weather", { city: "Paris" }],
      ["call_b", "get_weather", { city: "Rome" }],
    ]);
  });

  it("reports a length-cut stream as finish reason length", async () => {
    const t = answering(() => events([text("Once upon"), chunk({}, "length")]));
    const r = streamText({ model: aiModel(t.fetch), prompt: "story", maxRetries: 0 });
    await r.consumeStream();
    expect(await r.finishReason).toBe("length");
  });

  it("reports a failure after deltas as an error, not a finished answer", async () => {
    const t = answering(() => events([text("Bon")], "Upstream stream ended early"));
    const errors: unknown[] = [];
    const r = streamText({ model: aiModel(t.fetch), prompt: "x", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    const types: string[] = [];
    for await (const p of r.fullStream) types.push(p.type);
    expect(types).toContain("error");
    expect(String((errors[0] as Error)?.message ?? errors[0])).toMatch(/Upstream stream ended early/);
    expect(await r.finishReason).toBe("error");
  });
});
