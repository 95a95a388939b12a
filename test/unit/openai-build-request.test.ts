import { describe, expect, it } from "vitest";
import { chatRequestSchema, type ChatRequest } from "../../src/openai/schemas";
import { buildOpenAIChatRequest, MAX_TOOL_CALL_ID } from "../../src/providers/openai-compatible/build-request";

/** Requests go through the public schema first, as they do in the router. */
const request = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse(body);

describe("buildOpenAIChatRequest", () => {
  it("replaces the model and always streams with usage", () => {
    const body = buildOpenAIChatRequest(request({ model: "mana/fast", messages: [{ role: "user", content: "hi" }] }), "llama-3.1-8b-instant");
    expect(body).toEqual({
      model: "llama-3.1-8b-instant",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it.each([false, null, true])("forces stream true when the client sent stream %j", (stream) => {
    const body = buildOpenAIChatRequest(request({ messages: [{ role: "user", content: "hi" }], stream }), "m");
    expect(body.stream).toBe(true);
  });

  it("drops the client's n and stream_options", () => {
    const body = buildOpenAIChatRequest(request({ model: "groq/x", messages: [{ role: "user", content: "hi" }], n: 1, stream: true, stream_options: { include_usage: false, extra: 1 } }), "x");
    expect(body).not.toHaveProperty("n");
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it("turns developer messages into system messages and leaves the others as sent", () => {
    const messages = [
      { role: "developer", content: "Answer in French.", name: "dev" },
      { role: "system", content: [{ type: "text", text: "Be brief." }] },
      { role: "user", content: "hi" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", content: "42", tool_call_id: "call_1" },
    ];
    const body = buildOpenAIChatRequest(request({ messages }), "m");
    expect(body.messages).toEqual([{ role: "system", content: "Answer in French.", name: "dev" }, ...messages.slice(1)]);
  });

  it("does not change the client's request object", () => {
    const req = request({ model: "a", messages: [{ role: "developer", content: "x" }], n: 1 });
    const before = structuredClone(req);
    buildOpenAIChatRequest(req, "b");
    expect(req).toEqual(before);
  });

  it("passes tools, tool_choice, response_format, images and unknown fields through unchanged", () => {
    const tools = [
      {
        type: "function",
        function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: true },
      },
    ];
    const toolChoice = { type: "function", function: { name: "get_weather" } };
    const responseFormat = { type: "json_schema", json_schema: { name: "w", schema: { type: "object" }, strict: true } };
    const userContent = [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
      { type: "image_url", image_url: "https://example.com/cat.jpg" },
    ];
    const body = buildOpenAIChatRequest(
      request({
        model: "mana/vision",
        messages: [{ role: "user", content: userContent }],
        tools,
        tool_choice: toolChoice,
        parallel_tool_calls: false,
        response_format: responseFormat,
        temperature: 0.2,
        max_tokens: 100,
        seed: 7,
        stop: ["\n\n"],
        user: "u-1",
        reasoning_effort: "low",
        provider: { order: ["Together"], allow_fallbacks: false },
        metadata: { trace: "abc" },
      }),
      "openai/gpt-4o",
    );
    expect(body).toEqual({
      model: "openai/gpt-4o",
      messages: [{ role: "user", content: userContent }],
      tools,
      tool_choice: toolChoice,
      parallel_tool_calls: false,
      response_format: responseFormat,
      temperature: 0.2,
      max_tokens: 100,
      seed: 7,
      stop: ["\n\n"],
      user: "u-1",
      reasoning_effort: "low",
      provider: { order: ["Together"], allow_fallbacks: false },
      metadata: { trace: "abc" },
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("keeps null-valued sampling fields and drops only undefined ones", () => {
    const body = buildOpenAIChatRequest({ messages: [{ role: "user", content: "hi" }], temperature: null, top_p: undefined }, "m");
    expect(body).toHaveProperty("temperature", null);
    expect(body).not.toHaveProperty("top_p");
  });
});

describe("tool call ids OpenAI would reject", () => {
  it("shortens ids over 40 characters the same way on the call and its result; shorter ones pass as sent", () => {
    const long = `call_0123456789abcdef01234567_sig_${"QUJD".repeat(20)}`;
    const other = `call_0123456789abcdef01234567_sig_${"REVG".repeat(20)}`;
    const messages = [
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: long, type: "function", function: { name: "f", arguments: "{}" } },
          { id: other, type: "function", function: { name: "g", arguments: "{}" } },
          { id: "call_1", type: "function", function: { name: "h", arguments: "{}" } },
        ],
      },
      { role: "tool", content: "1", tool_call_id: long },
      { role: "tool", content: "2", tool_call_id: other },
      { role: "tool", content: "3", tool_call_id: "call_1" },
    ];
    const sent = buildOpenAIChatRequest(request({ messages }), "m").messages as Array<{ tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    const ids = sent[1]!.tool_calls!.map((c) => c.id);
    expect(ids.every((id) => id.length <= MAX_TOOL_CALL_ID)).toBe(true);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe("call_1");
    expect(sent.slice(2).map((m) => m.tool_call_id)).toEqual(ids);
  });
});
