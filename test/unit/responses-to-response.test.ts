import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, tool } from "ai";
import OpenAI from "openai";
import type { Response as OpenAIResponse } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { type ResponseObject, toResponse } from "../../src/openai/responses-api";
import { answering, completion, META } from "../helpers/responses";

const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

describe("toResponse", () => {
  it("turns a text answer into one completed message item with usage", () => {
    expect(toResponse(completion("Hello!", { usage: USAGE }), META)).toMatchObject({
      id: "resp_abc",
      object: "response",
      created_at: 1_700_000_000,
      status: "completed",
      error: null,
      incomplete_details: null,
      model: "ollama/gemma3:4b",
      output: [{ type: "message", id: "msg_abc_0", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello!", annotations: [] }] }],
      usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
    });
  });

  it("turns tool calls into function_call items whose call_id is the chat tool call id", () => {
    const r = toResponse(
      completion(null, {
        finish: "tool_calls",
        calls: [
          { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_b", name: "get_time", arguments: "{}" },
        ],
      }),
      META,
    );
    expect(r.status).toBe("completed");
    expect(r.output).toEqual([
      { type: "function_call", id: "fc_abc_0", call_id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
      { type: "function_call", id: "fc_abc_1", call_id: "call_b", name: "get_time", arguments: "{}", status: "completed" },
    ]);
  });

  it("puts text before the calls when an answer has both", () => {
    const r = toResponse(completion("Let me check.", { finish: "tool_calls", calls: [{ id: "c", name: "f", arguments: "{}" }] }), META);
    expect(r.output.map((i) => [i.type, i.id])).toEqual([
      ["message", "msg_abc_0"],
      ["function_call", "fc_abc_1"],
    ]);
  });

  it.each([
    ["length", "max_output_tokens"],
    ["content_filter", "content_filter"],
  ] as const)("finish_reason %s → status incomplete, reason %s", (finish, reason) => {
    const r = toResponse(completion("Once upon a", { finish }), META);
    expect(r.status).toBe("incomplete");
    expect(r.incomplete_details).toEqual({ reason });
    expect(r.output[0]?.status).toBe("incomplete");
  });

  it("answers an empty completion with an empty message, and no usage when none was reported", () => {
    const r = toResponse(completion(null), META);
    expect(r.output).toEqual([{ type: "message", id: "msg_abc_0", status: "completed", role: "assistant", content: [{ type: "output_text", text: "", annotations: [], logprobs: [] }] }]);
    expect(r).not.toHaveProperty("usage");
  });

  it("echoes the request's settings as OpenAI does", () => {
    const request = {
      input: "x",
      instructions: "Be brief.",
      tools: [{ type: "function" as const, name: "f", parameters: { type: "object" } }],
      tool_choice: { type: "function" as const, name: "f" },
      temperature: 0.5,
      max_output_tokens: 9,
      metadata: { k: "v" },
      text: { format: { type: "json_schema" as const, name: "n", schema: { type: "object" } } },
      user: "u",
    };
    expect(toResponse(completion("{}"), { ...META, request })).toMatchObject({
      instructions: "Be brief.",
      tools: [{ type: "function", name: "f", description: null, parameters: { type: "object" }, strict: null }],
      tool_choice: { type: "function", name: "f" },
      temperature: 0.5,
      top_p: null,
      max_output_tokens: 9,
      metadata: { k: "v" },
      parallel_tool_calls: true,
      text: { format: { type: "json_schema", name: "n", schema: { type: "object" }, strict: null } },
      user: "u",
      store: false,
    });
  });

  it("has every field the openai SDK's Response type requires", () => {
    // Compile-time check: the SDK's own type, less `output_text` (the SDK derives it) and
    // `access_programs` (an OpenAI account feature a router has nothing to say about).
    const typed: Omit<OpenAIResponse, "output_text" | "access_programs"> = toResponse(completion("hi"), META) satisfies ResponseObject;
    expect(typed.object).toBe("response");
  });
});

describe("real clients parse the response", () => {
  it("openai SDK: responses.create gives output_text and the items", async () => {
    const t = answering(() => toResponse(completion("Bonjour", { usage: USAGE }), META));
    const client = new OpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch: t.fetch, maxRetries: 0 });
    const r = await client.responses.create({ model: "mana/fast-text", input: "Say hello in French" });
    expect(r.output_text).toBe("Bonjour");
    expect(r.usage?.total_tokens).toBe(17);
    expect(t.requests[0]).toMatchObject({ model: "mana/fast-text", input: "Say hello in French" });
  });

  it("@ai-sdk/openai (Responses by default): generateText reads text, usage and finish reason", async () => {
    const t = answering(() => toResponse(completion("Hi there", { usage: USAGE }), META));
    const openai = createOpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch: t.fetch });
    const r = await generateText({ model: openai("mana/fast-text"), prompt: "hi", maxRetries: 0 });
    expect(r.text).toBe("Hi there");
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toMatchObject({ inputTokens: 12, outputTokens: 5, totalTokens: 17 });
  });

  it("@ai-sdk/openai: a tool call comes back with its call id, name and parsed input", async () => {
    const t = answering(() => toResponse(completion(null, { finish: "tool_calls", calls: [{ id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' }] }), META));
    const openai = createOpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch: t.fetch });
    const r = await generateText({
      model: openai("mana/fast-text"),
      prompt: "Weather in Paris?",
      tools: { get_weather: tool({ inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }) }) },
      maxRetries: 0,
    });
    expect(r.finishReason).toBe("tool-calls");
    expect(r.toolCalls).toMatchObject([{ toolCallId: "call_a", toolName: "get_weather", input: { city: "Paris" } }]);
  });

  it("@ai-sdk/openai: an incomplete response reads as finish reason length", async () => {
    const t = answering(() => toResponse(completion("Once upon", { finish: "length" }), META));
    const openai = createOpenAI({ apiKey: "k", baseURL: "http://router.test/v1", fetch: t.fetch });
    const r = await generateText({ model: openai("mana/fast-text"), prompt: "story", maxRetries: 0 });
    expect(r.text).toBe("Once upon");
    expect(r.finishReason).toBe("length");
  });
});
