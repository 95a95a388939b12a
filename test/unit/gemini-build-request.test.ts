import { describe, expect, it } from "vitest";
import { chatRequestSchema, type ChatRequest } from "../../src/openai/schemas";
import { UpstreamError } from "../../src/providers/failures";
import { buildGeminiChatRequest } from "../../src/providers/gemini/build-request";

const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse(body);
const PNG = "data:image/png;base64,iVBORw0KGgo=";

function failureOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamError) return err.failure;
    throw err;
  }
  throw new Error("expected an UpstreamError");
}

describe("buildGeminiChatRequest: messages", () => {
  it("system and developer messages → systemInstruction; user/assistant → user/model contents", () => {
    const out = buildGeminiChatRequest(
      req({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Answer in German." }] },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hallo" },
          { role: "user", content: "Wie geht's?" },
        ],
      }),
      "gemini-2.5-flash",
    );
    expect(out).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Answer in German." }] },
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Hallo" }] },
        { role: "user", parts: [{ text: "Wie geht's?" }] },
      ],
    });
  });

  it("text and data-URL images become text and inlineData parts, in order", () => {
    const out = buildGeminiChatRequest(
      req({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: PNG, detail: "high" } },
              { type: "image_url", image_url: "data:image/jpeg;base64,/9j/4AAQ" },
            ],
          },
        ],
      }),
      "gemini-2.5-flash",
    );
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }, { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } }] },
    ]);
  });

  it("an https image URL with a known type → fileData; an http one is incapable", () => {
    const out = buildGeminiChatRequest(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://cdn.example.com/cat.webp" } }] }] }), "gemini-2.5-flash");
    expect(out.contents[0]!.parts).toEqual([{ fileData: { mimeType: "image/webp", fileUri: "https://cdn.example.com/cat.webp" } }]);
    expect(
      failureOf(() => buildGeminiChatRequest(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x.test/a.png" } }] }] }), "gemini-2.5-flash")),
    ).toMatchObject({
      kind: "incapable",
      message: expect.stringContaining("https"),
    });
  });

  it("assistant tool_calls → functionCall parts (arguments parsed); tool messages → functionResponse named after the call", () => {
    const out = buildGeminiChatRequest(
      req({
        messages: [
          { role: "user", content: "Weather and time in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_b", type: "function", function: { name: "get_time", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_b", content: "14:05" },
          { role: "tool", tool_call_id: "call_a", content: '{"temp": 21}' },
          { role: "user", content: "Thanks" },
        ],
      }),
      "gemini-2.5-flash",
    );
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "Weather and time in Paris?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "get_time", args: {} } }] },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_time", response: { result: "14:05" } } },
          { functionResponse: { name: "get_weather", response: { temp: 21 } } },
          // The next user turn joins the same content: Gemini's turns alternate.
          { text: "Thanks" },
        ],
      },
    ]);
  });

  it("an orphan tool message is a 400 naming the message, not silently dropped", () => {
    const failure = failureOf(() =>
      buildGeminiChatRequest(
        req({
          messages: [
            { role: "user", content: "hi" },
            { role: "tool", tool_call_id: "call_zz", content: "x" },
          ],
        }),
        "gemini-2.5-flash",
      ),
    );
    expect(failure).toMatchObject({ kind: "http", status: 400, param: "messages[1].tool_call_id", message: expect.stringContaining("call_zz") });
  });

  it("tool call arguments that are not a JSON object are a 400 naming the field", () => {
    const failure = failureOf(() =>
      buildGeminiChatRequest(
        req({
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1,2]" } }] },
          ],
        }),
        "gemini-2.5-flash",
      ),
    );
    expect(failure).toMatchObject({ kind: "http", status: 400, param: "messages[1].tool_calls[0].function.arguments" });
  });

  it("a system-only request becomes the user turn (Gemini needs contents)", () => {
    expect(buildGeminiChatRequest(req({ messages: [{ role: "system", content: "Say hi" }] }), "gemini-2.5-flash")).toEqual({ contents: [{ role: "user", parts: [{ text: "Say hi" }] }] });
  });

  it("Gemma gets its system text at the head of the first user turn", () => {
    const out = buildGeminiChatRequest(
      req({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
      }),
      "gemma-3-27b-it",
    );
    expect(out.systemInstruction).toBeUndefined();
    expect(out.contents).toEqual([{ role: "user", parts: [{ text: "Be brief." }, { text: "Hi" }] }]);
  });
});

describe("buildGeminiChatRequest: thought signatures", () => {
  const history = (extra?: Record<string, unknown>) =>
    req({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" }, ...extra }] },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    });

  it("a signature carried in extra_content.google goes back on its functionCall part", () => {
    const out = buildGeminiChatRequest(history({ extra_content: { google: { thought_signature: "c2lnLTE=" } } }), "gemini-3-flash-preview");
    expect(out.contents[1]!.parts).toEqual([{ functionCall: { name: "get_weather", args: {} }, thoughtSignature: "c2lnLTE=" }]);
  });

  it("without one, Gemini 3 gets Google's skip placeholder; Gemini 2.5 gets nothing", () => {
    expect(buildGeminiChatRequest(history(), "gemini-3-flash-preview").contents[1]!.parts[0]!.thoughtSignature).toBe("skip_thought_signature_validator");
    expect(buildGeminiChatRequest(history(), "gemini-2.5-flash").contents[1]!.parts[0]).not.toHaveProperty("thoughtSignature");
  });
});

describe("buildGeminiChatRequest: tools and generation config", () => {
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false, $schema: "http://json-schema.org/draft-07/schema#" },
      },
    },
    { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
  ];

  it("tools → functionDeclarations with sanitised parameters (an empty object schema is omitted)", () => {
    const out = buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }], tools }), "gemini-2.5-flash");
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", description: "Weather for a city", parameters: { type: "OBJECT", properties: { city: { type: "STRING" } }, required: ["city"] } },
          { name: "now" },
        ],
      },
    ]);
    expect(out.toolConfig).toBeUndefined();
  });

  it.each([
    ["auto", { mode: "AUTO" }],
    ["none", { mode: "NONE" }],
    ["required", { mode: "ANY" }],
    [
      { type: "function", function: { name: "now" } },
      { mode: "ANY", allowedFunctionNames: ["now"] },
    ],
  ])("tool_choice %j → functionCallingConfig %j", (choice, expected) => {
    expect(buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }], tools, tool_choice: choice }), "gemini-2.5-flash").toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it("tool_choice naming an unknown function is a 400", () => {
    expect(
      failureOf(() => buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }], tools, tool_choice: { type: "function", function: { name: "nope" } } }), "gemini-2.5-flash")),
    ).toMatchObject({
      kind: "http",
      status: 400,
      param: "tool_choice",
    });
  });

  it("temperature, top_p, max_tokens, stop, seed, penalties → generationConfig", () => {
    const out = buildGeminiChatRequest(
      req({ messages: [{ role: "user", content: "hi" }], temperature: 0.3, top_p: 0.9, max_tokens: 64, stop: "END", seed: 7, presence_penalty: 0.5, frequency_penalty: -0.5 }),
      "gemini-2.5-flash",
    );
    expect(out.generationConfig).toEqual({ temperature: 0.3, topP: 0.9, maxOutputTokens: 64, stopSequences: ["END"], seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 });
  });

  it("max_completion_tokens wins over max_tokens; no options → no generationConfig", () => {
    expect(buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }], max_tokens: 10, max_completion_tokens: 20 }), "m").generationConfig).toEqual({ maxOutputTokens: 20 });
    expect(buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }] }), "m")).not.toHaveProperty("generationConfig");
  });

  it("response_format json_object → responseMimeType; json_schema → + sanitised responseSchema", () => {
    expect(buildGeminiChatRequest(req({ messages: [{ role: "user", content: "hi" }], response_format: { type: "json_object" } }), "m").generationConfig).toEqual({
      responseMimeType: "application/json",
    });
    const out = buildGeminiChatRequest(
      req({
        messages: [{ role: "user", content: "hi" }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "person",
            strict: true,
            schema: {
              $schema: "https://json-schema.org/draft/2020-12/schema",
              type: "object",
              properties: { name: { type: "string" }, age: { type: ["integer", "null"] } },
              required: ["name", "age"],
              additionalProperties: false,
            },
          },
        },
      }),
      "m",
    );
    expect(out.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { name: { type: "STRING" }, age: { type: "INTEGER", nullable: true } }, required: ["name", "age"] },
    });
  });
});
