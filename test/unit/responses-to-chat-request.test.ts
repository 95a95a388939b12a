import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/openai/errors";
import { parseResponsesRequest, toChatRequest } from "../../src/openai/responses-api";
import { type ChatMessage, chatRequestSchema, type Tool } from "../../src/openai/schemas";

/** Parsed as the route will parse it, converted, and checked against the chat schema the walk expects. */
function convert(body: Record<string, unknown>) {
  const chat = toChatRequest(parseResponsesRequest(body));
  const check = chatRequestSchema.safeParse(chat);
  expect(check.success, JSON.stringify(check.error?.issues)).toBe(true);
  return chat;
}

describe("toChatRequest", () => {
  it("turns a string input into one user message, instructions into a system message first", () => {
    expect(convert({ model: "mana/fast-text", instructions: "Be brief.", input: "hi" })).toEqual({
      model: "mana/fast-text",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
    });
  });

  it("maps the sampling settings and drops what chat has no use for", () => {
    const chat = convert({ input: "hi", max_output_tokens: 50, temperature: 0.3, top_p: 0.8, stream: true, user: "u", metadata: { a: "b" }, store: true, parallel_tool_calls: false });
    expect(chat).toEqual({ messages: [{ role: "user", content: "hi" }], max_tokens: 50, temperature: 0.3, top_p: 0.8, stream: true, user: "u", parallel_tool_calls: false });
  });

  it("keeps user parts, maps input_image to image_url, joins assistant output_text", () => {
    const chat = convert({
      input: [
        { role: "system", content: [{ type: "input_text", text: "sys" }] },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "https://x/y.png", detail: "high" },
            { type: "input_image", image_url: "data:image/png;base64,AA" },
          ],
        },
        {
          type: "message",
          role: "assistant",
          content: [
            { type: "output_text", text: "A ", annotations: [] },
            { type: "output_text", text: "cat." },
          ],
        },
        { role: "developer", content: "French." },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "sys" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://x/y.png", detail: "high" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,AA" } },
        ],
      },
      { role: "assistant", content: "A cat." },
      { role: "developer", content: "French." },
    ]);
  });

  it("round-trips tools: consecutive calls become one assistant turn, outputs tool messages by call_id", () => {
    const chat = convert({
      input: [
        { role: "user", content: "Weather in Paris and Rome?" },
        { type: "function_call", id: "fc_1", call_id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
        { type: "function_call", id: "fc_2", call_id: "call_b", name: "get_weather", arguments: '{"city":"Rome"}' },
        { type: "function_call_output", call_id: "call_a", output: "sunny" },
        { type: "function_call_output", call_id: "call_b", output: [{ type: "input_text", text: "rain" }] },
        { type: "reasoning", id: "rs_1", summary: [] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "sunny" },
      { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "rain" }] },
    ]);
  });

  it("attaches calls to the assistant text just before them, but not across a tool result", () => {
    const call = (id: string) => ({ type: "function_call", call_id: id, name: "f", arguments: "{}" });
    const chat = convert({
      input: [{ role: "user", content: "go" }, { role: "assistant", content: "Checking." }, call("c1"), { type: "function_call_output", call_id: "c1", output: "1" }, call("c2")],
    });
    const callIds = (m: ChatMessage) => (m.role === "assistant" ? m.tool_calls?.map((t) => t.id) : undefined);
    expect(chat.messages.map((m) => [m.role, callIds(m)])).toEqual([
      ["user", undefined],
      ["assistant", ["c1"]],
      ["tool", undefined],
      ["assistant", ["c2"]],
    ]);
    expect(chat.messages[1]).toMatchObject({ content: "Checking." });
  });

  it("maps function tools and every tool_choice form", () => {
    const tools = [
      { type: "function", name: "a", description: "A", parameters: { type: "object", properties: {} }, strict: true },
      { type: "function", name: "b", description: null, parameters: null, strict: null },
    ];
    expect(convert({ input: "x", tools, tool_choice: "required" })).toMatchObject({
      tools: [
        { type: "function", function: { name: "a", description: "A", parameters: { type: "object", properties: {} }, strict: true } },
        { type: "function", function: { name: "b" } },
      ],
      tool_choice: "required",
    });
    expect(convert({ input: "x", tools, tool_choice: { type: "function", name: "b" } }).tool_choice).toEqual({ type: "function", function: { name: "b" } });
    const allowed = convert({ input: "x", tools, tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "b" }] } });
    expect((allowed.tools as Tool[]).map((t) => t.function.name)).toEqual(["b"]);
    expect(allowed.tool_choice).toBe("required");
  });

  it("refuses an allowed_tools entry that names no declared tool", () => {
    const req = parseResponsesRequest({ input: "x", tools: [{ type: "function", name: "a" }], tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "zz" }] } });
    expect(() => toChatRequest(req)).toThrow(ApiError);
    expect(() => toChatRequest(req)).toThrow(/'zz'/);
  });

  it.each([
    [{ type: "text" }, { type: "text" }],
    [{ type: "json_object" }, { type: "json_object" }],
    [
      { type: "json_schema", name: "person", description: "A person", schema: { type: "object", properties: { name: { type: "string" } } }, strict: true },
      { type: "json_schema", json_schema: { name: "person", description: "A person", schema: { type: "object", properties: { name: { type: "string" } } }, strict: true } },
    ],
  ])("maps text.format %j to response_format", (format, responseFormat) => {
    expect(convert({ input: "x", text: { format } }).response_format).toEqual(responseFormat);
  });
});
