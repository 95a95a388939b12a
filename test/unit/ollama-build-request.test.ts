import { describe, expect, it } from "vitest";
import { buildOllamaChatRequest, parseToolArguments, wantsJson } from "../../src/providers/ollama/build-request";
import { dataUrlImage } from "../../src/providers/ollama/convert-image";
import { chatRequestSchema, type ChatRequest } from "../../src/openai/schemas";
import { UpstreamError } from "../../src/providers/failures";

const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ messages: [{ role: "user", content: "hi" }], ...body });

const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("buildOllamaChatRequest", () => {
  it("sends a streaming request with the bare model name and nothing it was not asked for", () => {
    expect(buildOllamaChatRequest(req({}), "qwen2.5:7b")).toEqual({
      model: "qwen2.5:7b",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
  });

  it("maps sampling parameters to options (max_tokens → num_predict, a single stop → list)", () => {
    const body = buildOllamaChatRequest(req({ temperature: 0.2, top_p: 0.9, max_tokens: 64, stop: "END", seed: 42, presence_penalty: 0.5, frequency_penalty: 0.25 }), "m");
    expect(body.options).toEqual({ temperature: 0.2, top_p: 0.9, num_predict: 64, stop: ["END"], seed: 42, presence_penalty: 0.5, frequency_penalty: 0.25 });
  });

  it("prefers max_completion_tokens and keeps a temperature of 0", () => {
    const body = buildOllamaChatRequest(req({ temperature: 0, max_tokens: 10, max_completion_tokens: 20, stop: ["a", "b"] }), "m");
    expect(body.options).toEqual({ temperature: 0, num_predict: 20, stop: ["a", "b"] });
  });

  it("joins text parts and turns data-URL images into base64 without the prefix", () => {
    const body = buildOllamaChatRequest(
      req({
        messages: [
          { role: "system", content: [{ type: "text", text: "Be brief." }] },
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_B64}` } },
              { type: "text", text: "One word." },
              { type: "image_url", image_url: `data:image/jpeg;base64,${PNG_B64}` },
            ],
          },
        ],
      }),
      "llava:7b",
    );
    expect(body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is this?\nOne word.", images: [PNG_B64, PNG_B64] },
    ]);
  });

  it("maps developer messages to system", () => {
    expect(buildOllamaChatRequest(req({ messages: [{ role: "developer", content: "rules" }] }), "m").messages).toEqual([{ role: "system", content: "rules" }]);
  });

  it("turns tool-call arguments into objects and names the tool on its result", () => {
    const body = buildOllamaChatRequest(
      req({
        messages: [
          { role: "user", content: "Weather in Köln and the time?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Köln"}' } },
              { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: '{"temp": 21}' },
          { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "10:02" }] },
          { role: "tool", tool_call_id: "call_unknown", content: "?" },
        ],
        tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true } }],
      }),
      "qwen2.5:7b",
    );
    expect(body.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "get_weather", arguments: { city: "Köln" } } }, { function: { name: "get_time", arguments: {} } }],
      },
      { role: "tool", content: '{"temp": 21}', tool_name: "get_weather" },
      { role: "tool", content: "10:02", tool_name: "get_time" },
      { role: "tool", content: "?" },
    ]);
    expect(body.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }]);
  });

  it("does not offer tools when tool_choice is none", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    expect(buildOllamaChatRequest(req({ tools, tool_choice: "none" }), "qwen2.5:7b").tools).toBeUndefined();
    expect(buildOllamaChatRequest(req({ tools, tool_choice: "auto" }), "qwen2.5:7b").tools).toHaveLength(1);
  });

  it('maps response_format: json_object → "json", json_schema → the inner schema', () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    expect(buildOllamaChatRequest(req({ response_format: { type: "json_object" } }), "m").format).toBe("json");
    expect(buildOllamaChatRequest(req({ response_format: { type: "json_schema", json_schema: { name: "city", schema, strict: true } } }), "m").format).toEqual(schema);
    expect(buildOllamaChatRequest(req({ response_format: { type: "json_schema", json_schema: { name: "any" } } }), "m").format).toBe("json");
    expect(buildOllamaChatRequest(req({ response_format: { type: "text" } }), "m").format).toBeUndefined();
  });

  it("passes keep_alive through when the client sets it", () => {
    expect(buildOllamaChatRequest(req({ keep_alive: "30m" }), "m").keep_alive).toBe("30m");
    expect(buildOllamaChatRequest(req({ keep_alive: -1 }), "m").keep_alive).toBe(-1);
    expect(buildOllamaChatRequest(req({ keep_alive: { x: 1 } }), "m")).not.toHaveProperty("keep_alive");
  });

  it("refuses an http image URL and non-object tool arguments as incapable", () => {
    const url = req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] });
    expect(() => buildOllamaChatRequest(url, "llava:7b")).toThrow(UpstreamError);
    try {
      buildOllamaChatRequest(url, "llava:7b");
    } catch (err) {
      expect((err as UpstreamError).failure.kind).toBe("incapable");
    }
    const args = req({
      messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1,2]" } }] }],
    });
    expect(() => buildOllamaChatRequest(args, "qwen2.5:7b")).toThrow(/not a JSON object/);
  });
});

describe("dataUrlImage", () => {
  it("reads base64 and percent-encoded data URLs, nothing else", () => {
    expect(dataUrlImage(`data:image/png;base64,${PNG_B64}`)).toBe(PNG_B64);
    expect(dataUrlImage("data:image/svg+xml,%3Csvg%2F%3E")).toBe(btoa("<svg/>"));
    expect(dataUrlImage("https://example.com/a.png")).toBeUndefined();
    expect(dataUrlImage("data:application/pdf;base64,AAAA")).toBeUndefined();
  });
});

describe("parseToolArguments", () => {
  it("accepts objects and the empty string, nothing else", () => {
    expect(parseToolArguments('{"a":1}')).toEqual({ a: 1 });
    expect(parseToolArguments(" ")).toEqual({});
    expect(parseToolArguments("[1]")).toBeUndefined();
    expect(parseToolArguments("null")).toBeUndefined();
    expect(parseToolArguments("{broken")).toBeUndefined();
  });
});

describe("wantsJson", () => {
  it("is true for json_object and json_schema only", () => {
    expect(wantsJson(req({ response_format: { type: "json_object" } }))).toBe(true);
    expect(wantsJson(req({ response_format: { type: "json_schema", json_schema: { name: "x" } } }))).toBe(true);
    expect(wantsJson(req({ response_format: { type: "text" } }))).toBe(false);
    expect(wantsJson(req({}))).toBe(false);
  });
});
