import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { call, callWith, postJson } from "../helpers/http";

const CHAT = "/v1/chat/completions";
const ok = { model: "mana/fast-text", messages: [{ role: "user", content: "hi" }] };

async function errorOf(res: Response): Promise<ErrorBody> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await res.json<{ error: ErrorBody }>();
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

const VALIDATION_CODES = ["invalid_value", "missing_required_parameter", "invalid_json", "invalid_content_type", "invalid_type", "request_too_large"];

/** The request got past validation (whatever the router then made of it). */
async function expectValidated(res: Response): Promise<void> {
  if (res.status !== 400 && res.status !== 413) return;
  const error = await errorOf(res);
  expect(VALIDATION_CODES, error.message).not.toContain(error.code);
}

describe("chat request validation: each bad request names what is wrong", () => {
  it.each<[string, unknown, string, RegExp]>([
    ["empty messages", { model: "mana/fast-text", messages: [] }, "messages", /at least one message/],
    ["missing messages", { model: "mana/fast-text" }, "messages", /^Missing required parameter/],
    ["messages not a list", { messages: "hi" }, "messages", /array|list/],
    ["a bad role", { messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role", /system.*developer.*user.*assistant.*tool/],
    ["a missing role", { messages: [{ content: "hi" }] }, "messages[0].role", /system.*user/],
    ["temperature: 5", { ...ok, temperature: 5 }, "temperature", /<=\s*2|at most 2|2/],
    ["temperature as a string", { ...ok, temperature: "0.5" }, "temperature", /number/],
    ["top_p: 1.5", { ...ok, top_p: 1.5 }, "top_p", /1/],
    ["max_tokens: 0", { ...ok, max_tokens: 0 }, "max_tokens", /0|positive/],
    ["max_completion_tokens: -1", { ...ok, max_completion_tokens: -1 }, "max_completion_tokens", /0|positive/],
    ["presence_penalty: 3", { ...ok, presence_penalty: 3 }, "presence_penalty", /2/],
    ["frequency_penalty: -2.5", { ...ok, frequency_penalty: -2.5 }, "frequency_penalty", /-2/],
    ["stop with five sequences", { ...ok, stop: ["a", "b", "c", "d", "e"] }, "stop", /<=\s*4 items/],
    ["stop with a number", { ...ok, stop: 5 }, "stop", /expected string or array/],
    ["stream not a boolean", { ...ok, stream: "yes" }, "stream", /boolean/],
    ["n: 2", { ...ok, n: 2 }, "n", /not supported/],
    [
      "an image part without a url",
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this?" },
              { type: "image_url", image_url: {} },
            ],
          },
        ],
      },
      "messages[0].content[1].image_url.url",
      /url/,
    ],
    ["an image part with an empty url", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "" } }] }] }, "messages[0].content[0].image_url.url", /url/],
    ["an unknown content part type", { messages: [{ role: "user", content: [{ type: "video", video: "x" }] }] }, "messages[0].content[0].type", /text.*image_url/],
    ["a tool message without tool_call_id", { messages: [{ role: "tool", content: "42" }] }, "messages[0].tool_call_id", /^Missing required parameter/],
    ["a user message without content", { messages: [{ role: "user" }] }, "messages[0].content", /^Missing required parameter/],
    ["content of the wrong type", { messages: [{ role: "user", content: 42 }] }, "messages[0].content", /expected string or array/],
    ["a tool without a function name", { ...ok, tools: [{ type: "function", function: { description: "no name" } }] }, "tools[0].function.name", /^Missing required parameter/],
    ["an unknown tool_choice", { ...ok, tool_choice: "sometimes" }, "tool_choice", /none|auto|required/],
    ["an unknown response_format type", { ...ok, response_format: { type: "yaml" } }, "response_format.type", /json_object|json_schema/],
    [
      "a json_schema response_format without its name",
      { ...ok, response_format: { type: "json_schema", json_schema: { schema: { type: "object" } } } },
      "response_format.json_schema.name",
      /^Missing required parameter/,
    ],
  ])("%s → 400 naming the parameter", async (_label, body, param, why) => {
    const res = await postJson(CHAT, body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}'`);
    expect(error.message).toMatch(why);
  });

  it("a body that is not an object → 400", async () => {
    for (const body of [[ok], "hi", 42, null]) {
      const res = await postJson(CHAT, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/JSON object/);
    }
  });

  it("invalid JSON → 400 invalid_json", async () => {
    const res = await call(CHAT, { method: "POST", headers: { "content-type": "application/json" }, body: '{"messages": [' });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_json");
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("an empty body → 400 invalid_json", async () => {
    const res = await call(CHAT, { method: "POST", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_json");
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], [null]])("Content-Type %s → 400 invalid_content_type", async (type) => {
    const headers: Record<string, string> = type ? { "content-type": type } : {};
    const res = await call(CHAT, { method: "POST", headers, body: JSON.stringify(ok) });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_content_type");
    expect(error.message).toMatch(/application\/json/);
  });

  it("application/json with a charset, and +json types, are JSON", async () => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"]) {
      const res = await call(CHAT, { method: "POST", headers: { "content-type": type }, body: JSON.stringify({ ...ok, n: 2 }) });
      // Reached the schema (n is checked there), so the type was accepted.
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toBe("n");
    }
  });

  it("tolerates the fields SDKs send that the router does not know", async () => {
    const res = await postJson(CHAT, {
      model: "mana/fast-text",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "system", content: [{ type: "text", text: "Answer in English." }], name: "policy" },
        {
          role: "user",
          content: [
            { type: "text", text: "What is on this picture?", cache_control: { type: "ephemeral" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
            { type: "image_url", image_url: "https://example.com/cat.png" },
          ],
        },
        {
          role: "assistant",
          content: null,
          refusal: null,
          audio: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "a cat" },
      ],
      temperature: 0.2,
      top_p: 1,
      max_tokens: 100,
      max_completion_tokens: 100,
      stop: ["\n\n"],
      stream: false,
      stream_options: { include_usage: true },
      presence_penalty: -2,
      frequency_penalty: 2,
      seed: 7,
      user: "user-1",
      n: 1,
      tools: [{ type: "function", function: { name: "lookup", description: "Look up", parameters: { type: "object" }, strict: true } }],
      tool_choice: { type: "function", function: { name: "lookup" } },
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } },
      // Not known to the router: must not fail validation.
      logprobs: false,
      top_logprobs: null,
      logit_bias: { "50256": -100 },
      metadata: { trace: "abc" },
      store: false,
      service_tier: "auto",
      reasoning_effort: "low",
      modalities: ["text"],
      prediction: null,
      web_search_options: {},
    });
    expect(res.status).not.toBe(401);
    await expectValidated(res);
  });

  it("accepts null for the optional parameters OpenAI documents as nullable", async () => {
    const res = await postJson(CHAT, {
      ...ok,
      temperature: null,
      top_p: null,
      max_tokens: null,
      stop: null,
      stream: null,
      stream_options: null,
      presence_penalty: null,
      frequency_penalty: null,
      seed: null,
      n: null,
    });
    await expectValidated(res);
  });
});

describe("embeddings request validation", () => {
  it.each<[string, unknown, string]>([
    ["missing input", { model: "mana/embed" }, "input"],
    ["an empty input list", { model: "mana/embed", input: [] }, "input"],
    ["an unknown encoding_format", { model: "mana/embed", input: "hi", encoding_format: "int8" }, "encoding_format"],
    ["dimensions: 0", { model: "mana/embed", input: "hi", dimensions: 0 }, "dimensions"],
  ])("%s → 400 naming the parameter", async (_label, body, param) => {
    const res = await postJson("/v1/embeddings", body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe(param);
  });

  it("a valid request with unknown fields passes validation", async () => {
    const res = await postJson("/v1/embeddings", { model: "mana/embed", input: ["a", "b"], encoding_format: "float", extra_body: { x: 1 } });
    await expectValidated(res);
  });
});

describe("body size limit (MAX_BODY_BYTES)", () => {
  const limit = { MAX_BODY_BYTES: "1024" };
  const big = JSON.stringify({ ...ok, messages: [{ role: "user", content: "x".repeat(2000) }] });

  it("a body over the limit → 413 in the envelope", async () => {
    const res = await callWith(limit, CHAT, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe("request_too_large");
    expect(error.message).toContain("1024");
  });

  it("is checked before parsing: an oversized body that is not even JSON is still 413", async () => {
    const res = await callWith(limit, CHAT, { method: "POST", headers: { "content-type": "application/json" }, body: "{".repeat(5000) });
    expect(res.status).toBe(413);
  });

  it("a body at the limit is read and validated", async () => {
    const pad = 1024 - JSON.stringify({ ...ok, n: 2, pad: "" }).length;
    const body = JSON.stringify({ ...ok, n: 2, pad: "x".repeat(pad) });
    expect(new TextEncoder().encode(body).byteLength).toBe(1024);
    const res = await callWith(limit, CHAT, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("n");
  });

  it("counts bytes, not characters", async () => {
    // 400 × "é" is 400 characters but 800 bytes; 700 of them exceed 1024 bytes.
    const body = JSON.stringify({ ...ok, messages: [{ role: "user", content: "é".repeat(700) }] });
    expect(body.length).toBeLessThan(1024);
    const res = await callWith(limit, CHAT, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(413);
  });

  it("a chunked body without Content-Length is cut off at the limit, not read to the end", async () => {
    let pulled = 0;
    // An endless body: the router must stop reading once it is over the limit.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(`{"pad":"${"x".repeat(500)}",`));
      },
    });
    const res = await callWith(limit, CHAT, { method: "POST", headers: { "content-type": "application/json" }, body: endless });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("request_too_large");
    expect(pulled).toBeLessThan(20);
  });

  it("embeddings get the same limit", async () => {
    const res = await callWith(limit, "/v1/embeddings", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mana/embed", input: "x".repeat(2000) }),
    });
    expect(res.status).toBe(413);
  });
});
