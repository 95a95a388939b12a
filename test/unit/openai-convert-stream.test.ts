import { describe, expect, it } from "vitest";
import type { ChatChunk } from "../../src/openai/responses";
import { convertOpenAIEvent } from "../../src/providers/openai-compatible/convert-stream";
import type { SseEvent } from "../../src/streaming/decode";
import { decodeSse, mapSse } from "../../src/streaming/decode";
import textFixture from "../fixtures/openai/chat-text.sse?raw";
import openrouterFixture from "../fixtures/openai/chat-openrouter.sse?raw";
import toolCallsFixture from "../fixtures/openai/chat-tool-calls.sse?raw";
import malformedFixture from "../fixtures/openai/chat-malformed.sse?raw";
import errorFixture from "../fixtures/openai/chat-error.sse?raw";
import contextLengthFixture from "../fixtures/openai/chat-error-context-length.sse?raw";
import noTrailingBlankFixture from "../fixtures/openai/chat-no-trailing-blank.sse?raw";
import { bytes, collect, sameAtEverySplit } from "../helpers/streams";

/** The reference: events framed first (decodeSse), then converted one at a time. */
async function* convertFramed(events: AsyncIterable<SseEvent>, onMalformed: (detail: string) => void): AsyncGenerator<ChatChunk> {
  const out: ChatChunk[] = [];
  for await (const event of events) {
    const over = convertOpenAIEvent(event, out, onMalformed);
    yield* out.splice(0);
    if (over) return;
  }
}
const stacked = (parts: Uint8Array[]) => collect((body, onMalformed) => convertFramed(decodeSse(body), onMalformed), parts);
// The adapter's one-pass path (framing and conversion fused) must give exactly the stacked outcome.
const fused = (parts: Uint8Array[]) => collect((body, onMalformed) => flatten(mapSse<ChatChunk>(body, (event, out) => convertOpenAIEvent(event, out, onMalformed))), parts);
async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}
const chunksOf = async (parts: Uint8Array[]) => {
  const out = await stacked(parts);
  expect(await fused(parts)).toEqual(out);
  return out;
};
const contentOf = (chunks: ChatChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
const expectSplitInvariant = (text: string) => sameAtEverySplit(text, chunksOf);

const crlf = (text: string) => text.replaceAll("\n", "\r\n");

describe("convertOpenAIEvent over decodeSse: recorded streams", () => {
  it.each([
    ["LF", textFixture],
    ["CRLF", crlf(textFixture)],
  ])("reads an OpenAI stream (%s): role, content, finish, usage with choices [], [DONE]", async (_eol, fixture) => {
    const out = await expectSplitInvariant(fixture);
    expect(out.malformed).toEqual([]);
    expect(out.failure).toBeUndefined();
    expect(out.chunks).toHaveLength(6);
    expect(out.chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(contentOf(out.chunks)).toBe("héllo 👋 — ça va?");
    expect(out.chunks[4]!.choices[0]!.finish_reason).toBe("stop");
    const last = out.chunks[5]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    // Fields the router does not touch pass through as sent.
    expect(out.chunks[1]).toMatchObject({ id: "chatcmpl-CpXq7d1Rk2", system_fingerprint: "fp_51db84afab", usage: null });
  });

  it.each([
    ["LF", openrouterFixture],
    ["CRLF", crlf(openrouterFixture)],
  ])("drops OpenRouter's ': OPENROUTER PROCESSING' comments (%s)", async (_eol, fixture) => {
    const out = await expectSplitInvariant(fixture);
    expect(out.malformed).toEqual([]);
    expect(out.failure).toBeUndefined();
    expect(out.chunks).toHaveLength(4);
    expect(contentOf(out.chunks)).toBe("Grüße aus 東京 👋");
    expect(out.chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, null, "stop", null]);
    expect(out.chunks[3]!.usage).toEqual({ prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 });
  });

  it("reads tool-call argument fragments in order", async () => {
    const out = await expectSplitInvariant(toolCallsFixture);
    expect(out.malformed).toEqual([]);
    expect(out.failure).toBeUndefined();
    const deltas = out.chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(deltas.map((d) => d.index)).toEqual([0, 0, 0, 1, 1]);
    expect(
      deltas
        .filter((d) => d.index === 0)
        .map((d) => d.function?.arguments ?? "")
        .join(""),
    ).toBe('{"city": "Zürich"}');
    expect(
      deltas
        .filter((d) => d.index === 1)
        .map((d) => d.function?.arguments ?? "")
        .join(""),
    ).toBe('{"tz": "Europe/Zurich"}');
    expect(deltas[0]).toMatchObject({ id: "call_Zr1kW3", type: "function", function: { name: "get_weather" } });
    expect(out.chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(out.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 82, completion_tokens: 41, total_tokens: 123 });
  });

  it("reports a malformed data line to onMalformed and skips it", async () => {
    const out = await expectSplitInvariant(malformedFixture);
    expect(out.failure).toBeUndefined();
    expect(out.malformed).toHaveLength(1);
    expect(out.malformed[0]).toMatch(/unparseable/);
    // The detail names the size, never the payload.
    expect(out.malformed[0]).not.toContain("verlor");
    expect(contentOf(out.chunks)).toBe("Ein Stück 🧩");
    expect(out.chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(out.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 });
  });

  it("throws stream-error for an in-stream error object, after the chunks before it", async () => {
    const out = await expectSplitInvariant(errorFixture);
    expect(out.failure).toEqual({ kind: "stream-error", message: "Provider returned error", code: "502" });
    expect(out.chunks).toHaveLength(1);
    expect(contentOf(out.chunks)).toBe("Bonjour à");
    expect(out.malformed).toEqual([]);
  });

  it("throws context-length for an in-stream context_length_exceeded error", async () => {
    const out = await expectSplitInvariant(contextLengthFixture);
    expect(out.failure).toMatchObject({ kind: "context-length" });
    expect(out.failure).toHaveProperty("message", expect.stringContaining("maximum context length is 8192"));
    expect(out.chunks).toEqual([]);
  });

  it("keeps a last event that lacks its trailing blank line (and [DONE])", async () => {
    const out = await expectSplitInvariant(noTrailingBlankFixture);
    expect(noTrailingBlankFixture.endsWith("}")).toBe(true);
    expect(out.failure).toBeUndefined();
    expect(out.malformed).toEqual([]);
    expect(out.chunks).toHaveLength(3);
    expect(contentOf(out.chunks)).toBe("Olá, mundo 🌍");
    expect(out.chunks[2]!.choices[0]!.finish_reason).toBe("stop");
    expect(out.chunks[2]!.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });
});

describe("convertOpenAIEvent: edge events", () => {
  const run = (text: string) => chunksOf([bytes(text)]);
  const chunkLine = (content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

  it("stops at [DONE] and never reads what follows", async () => {
    const out = await run(`${chunkLine("a", "stop")}data: [DONE]\n\n${chunkLine("after done")}`);
    expect(contentOf(out.chunks)).toBe("a");
  });

  it("skips empty data events silently", async () => {
    const out = await run(`data:\n\n${chunkLine("a", "stop")}`);
    expect(out.chunks).toHaveLength(1);
    expect(out.malformed).toEqual([]);
  });

  it.each([
    ["a JSON scalar", "data: 42\n\n", /not an object/],
    ["null", "data: null\n\n", /not an object/],
    ["an object without choices", 'data: {"object":"keepalive"}\n\n', /choices/],
  ])("reports %s as malformed and goes on", async (_name, line, detail) => {
    const out = await run(line + chunkLine("ok", "stop"));
    expect(out.malformed).toHaveLength(1);
    expect(out.malformed[0]).toMatch(detail);
    expect(contentOf(out.chunks)).toBe("ok");
  });

  it("normalises a missing delta and finish_reason", async () => {
    const out = await run('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0}]}\n\n');
    expect(out.chunks[0]!.choices).toEqual([{ index: 0, delta: {}, finish_reason: null }]);
  });

  it("treats a null error field as no error", async () => {
    const out = await run('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","error":null,"choices":[{"index":0,"delta":{"content":"fine"},"finish_reason":"stop"}]}\n\n');
    expect(out.failure).toBeUndefined();
    expect(contentOf(out.chunks)).toBe("fine");
  });

  it.each([
    ['{"error":"upstream exploded"}', { kind: "stream-error", message: "upstream exploded", code: undefined }],
    ['{"error":{"message":"flagged","code":"content_filter"}}', { kind: "blocked", message: "flagged", categories: [] }],
    ['{"error":{"type":"server_error"}}', { kind: "stream-error", message: "upstream reported an error mid-stream", code: "server_error" }],
  ])("maps the in-stream error %s", async (payload, failure) => {
    const out = await run(`data: ${payload}\n\n`);
    expect(out.failure).toEqual(failure);
  });
});

describe("convertOpenAIEvent: the wire schema", () => {
  const run = (text: string) => chunksOf([bytes(text)]);
  const event = (chunk: Record<string, unknown>) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", ...chunk })}\n\n`;

  it("reports a chunk whose typed fields do not fit, and goes on", async () => {
    const out = await run(event({ choices: [{ index: 0, delta: { content: 42 } }] }) + event({ choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] }));
    expect(out.malformed).toEqual([expect.stringContaining("choices.0.delta.content")]);
    expect(contentOf(out.chunks)).toBe("ok");
  });

  it("reads nulls hosts send for absent fields", async () => {
    const out = await run(event({ choices: [{ index: 0, delta: { role: null, content: "a", tool_calls: null }, finish_reason: null }], usage: null, system_fingerprint: null }));
    expect(out.malformed).toEqual([]);
    expect(contentOf(out.chunks)).toBe("a");
  });

  it("folds a finish reason outside OpenAI's list into stop", async () => {
    const out = await run(event({ choices: [{ index: 0, delta: {}, finish_reason: "eos" }] }));
    expect(out.chunks[0]!.choices[0]!.finish_reason).toBe("stop");
  });
});
