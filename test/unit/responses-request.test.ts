import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/openai/errors";
import { parseResponsesRequest } from "../../src/openai/responses-api";

function refusal(body: unknown): { status: number; param: string | null; code: string | null; message: string } {
  try {
    parseResponsesRequest(body);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, param: err.param, code: err.code, message: err.message };
  }
  throw new Error("expected a 400");
}

describe("parseResponsesRequest", () => {
  it("accepts what the openai SDK, @ai-sdk/openai and LangChain send", () => {
    const body = {
      model: "mana/fast-text",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Answer in French." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Weather?" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
          ],
        },
        { type: "message", role: "assistant", id: "msg_1", content: [{ type: "output_text", text: "Let me check.", annotations: [] }] },
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        { type: "reasoning", id: "rs_1", summary: [] },
      ],
      tools: [{ type: "function", name: "get_weather", description: null, parameters: { type: "object" }, strict: true }],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: false,
      text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true }, verbosity: "low" },
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      metadata: { run: "1" },
      user: "u1",
      store: true,
      background: false,
      include: ["reasoning.encrypted_content"],
      truncation: "disabled",
    };
    const r = parseResponsesRequest(body);
    expect(r.input).toHaveLength(6);
    expect(Array.isArray(r.input) && r.input[0]).toMatchObject({ type: "message", role: "developer" });
    expect(r.text?.format).toEqual({ type: "json_schema", name: "w", schema: { type: "object" }, strict: true });
  });

  it("accepts a bare string input", () => {
    expect(parseResponsesRequest({ input: "hi" }).input).toBe("hi");
  });

  it.each([
    [{ input: "hi", previous_response_id: "resp_1" }, "previous_response_id", /stateless.*whole conversation/],
    [{ input: "hi", conversation: "conv_1" }, "conversation", /stateless/],
    [{ input: "hi", conversation: { id: "conv_1" } }, "conversation", /stateless/],
    [{ input: "hi", prompt: { id: "pmpt_1" } }, "prompt", /stored prompt/],
    [{ input: "hi", background: true }, "background", /background/],
    [{ input: "hi", tools: [{ type: "function", name: "f" }, { type: "web_search" }] }, "tools[1].type", /Built-in tool 'web_search'/],
    [{ input: "hi", tools: [{ type: "file_search", vector_store_ids: ["vs"] }] }, "tools[0].type", /'file_search'/],
    [{ input: "hi", tools: [{ type: "code_interpreter", container: { type: "auto" } }] }, "tools[0].type", /'code_interpreter'/],
    [{ input: "hi", tools: [{ type: "computer_use_preview" }] }, "tools[0].type", /'computer_use_preview'/],
    [{ input: "hi", tool_choice: { type: "web_search_preview" } }, "tool_choice.type", /only function tools/],
    [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input[0].type", /item_reference.*store to false/],
    [
      {
        input: [
          { role: "user", content: "hi" },
          { type: "web_search_call", id: "ws_1" },
        ],
      },
      "input[1].type",
      /'web_search_call'/,
    ],
    [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] }, "input[0].content[0].type", /input_file/],
    [{ input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] }, "input[0].content[0].file_id", /file_id.*image_url/],
    [{ input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_file", file_url: "https://x" }] }] }, "input[0].output[0].type", /input_file/],
  ])("refuses what a stateless router cannot serve: %j → 400 naming %s", (body, param, message) => {
    const r = refusal(body);
    expect(r).toMatchObject({ status: 400, param, code: "unsupported_parameter" });
    expect(r.message).toMatch(message);
  });

  it("says why before complaining about other fields", () => {
    expect(refusal({ previous_response_id: "resp_1" }).param).toBe("previous_response_id");
  });

  it.each([
    [{}, "input", "missing_required_parameter"],
    [{ input: [] }, "input", "invalid_value"],
    [{ input: "hi", temperature: 3 }, "temperature", "invalid_value"],
    [{ input: "hi", max_output_tokens: 0 }, "max_output_tokens", "invalid_value"],
    [{ input: [{ role: "robot", content: "x" }] }, "input[0].role", "invalid_value"],
    [{ input: [{ type: "function_call", call_id: "c", name: "f" }] }, "input[0].arguments", "missing_required_parameter"],
    [{ input: [{ role: "user", content: [{ type: "input_image" }] }] }, "input[0].content[0].image_url", "missing_required_parameter"],
    [{ input: "hi", text: { format: { type: "json_schema", schema: {} } } }, "text.format.name", "missing_required_parameter"],
    [{ input: "hi", tools: [{ type: "function" }] }, "tools[0].name", "missing_required_parameter"],
  ])("validates %j in the chat endpoint's style (param %s)", (body, param, code) => {
    expect(refusal(body)).toMatchObject({ status: 400, param, code });
  });

  it("answers a non-object body as chat does", () => {
    expect(refusal([1, 2])).toMatchObject({ status: 400, code: "invalid_type" });
  });
});
