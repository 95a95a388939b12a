/** The committed stream's two wire formats: chat chunks and Responses events, each with its own end and failure. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/openai/errors";
import { ResponsesStreamEncoder } from "../../src/openai/responses-api";
import { chatSseEncoder, responsesSseEncoder } from "../../src/routing/stream-encoders";
import { chunk, META, text, usageChunk } from "../helpers/responses";

/** An encoder's text for one call; none reads as empty. */
const decode = (text: string | undefined) => text ?? "";
const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
const INTERRUPTED = new ApiError(502, "The answer from groq/x was interrupted: cut. The response is incomplete.", { type: "upstream_error", code: "upstream_stream_error" });

/** SSE blocks → [event name, parsed data]. */
function blocks(raw: string): Array<[string | undefined, Record<string, unknown>]> {
  return raw
    .split("\n\n")
    .filter((b) => b.length > 0)
    .map((b) => {
      const lines = b.split("\n");
      return [lines.find((l) => l.startsWith("event: "))?.slice(7), JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6))];
    });
}

describe("chatSseEncoder", () => {
  it("names the answering entry in every chunk and ends with [DONE]", () => {
    const enc = chatSseEncoder("groq/x", false);
    expect(blocks(decode(enc.chunk(text("Hi"))))).toEqual([[undefined, expect.objectContaining({ model: "groq/x", choices: [expect.objectContaining({ delta: { content: "Hi" } })] })]]);
    expect(decode(enc.end())).toBe("data: [DONE]\n\n");
  });

  it("sends the usage chunk only when the client asked for it", () => {
    expect(chatSseEncoder("groq/x", false).chunk(usageChunk(USAGE))).toBeUndefined();
    expect(blocks(decode(chatSseEncoder("groq/x", false).chunk({ ...text("a"), usage: USAGE })))[0]![1]).not.toHaveProperty("usage");
    expect(blocks(decode(chatSseEncoder("groq/x", true).chunk(usageChunk(USAGE))))[0]![1]).toMatchObject({ usage: USAGE, choices: [] });
  });

  it("names the entry that continues a resumed answer from then on", () => {
    const enc = chatSseEncoder("groq/x", false);
    expect(blocks(decode(enc.chunk(text("Hi"))))[0]![1]).toMatchObject({ model: "groq/x" });
    enc.continuedBy("ollama/y");
    expect(blocks(decode(enc.chunk(text(" there"))))[0]![1]).toMatchObject({ model: "ollama/y" });
  });

  it("fails with one error event in the OpenAI envelope, and no [DONE]", () => {
    const raw = decode(chatSseEncoder("groq/x", false).fail(INTERRUPTED));
    expect(blocks(raw)).toEqual([[undefined, { error: { message: INTERRUPTED.message, type: "upstream_error", code: "upstream_stream_error", param: null } }]]);
    expect(raw).not.toContain("[DONE]");
  });
});

describe("responsesSseEncoder", () => {
  it("frames every event of a chunk as `event: <type>` + data, numbered across chunks", () => {
    const enc = responsesSseEncoder(new ResponsesStreamEncoder(META));
    const first = blocks(decode(enc.chunk(chunk({ role: "assistant" }))));
    const second = blocks(decode(enc.chunk(text("Hi"))));
    expect(first.map(([name]) => name)).toEqual(["response.created", "response.in_progress"]);
    expect(second.map(([name]) => name)).toEqual(["response.output_item.added", "response.content_part.added", "response.output_text.delta"]);
    expect([...first, ...second].every(([name, data]) => data.type === name)).toBe(true);
    expect([...first, ...second].map(([, data]) => data.sequence_number)).toEqual([0, 1, 2, 3, 4]);
  });

  it("a chunk that opens nothing yet sends nothing", () => {
    const enc = responsesSseEncoder(new ResponsesStreamEncoder(META));
    enc.chunk(chunk({ role: "assistant" }));
    expect(enc.chunk(usageChunk(USAGE))).toBeUndefined();
  });

  it("ends with response.completed carrying the usage", () => {
    const enc = responsesSseEncoder(new ResponsesStreamEncoder(META));
    enc.chunk(text("Hi"));
    enc.chunk(chunk({}, "stop"));
    enc.chunk(usageChunk(USAGE));
    const end = blocks(decode(enc.end()));
    expect(end.at(-1)).toEqual(["response.completed", expect.objectContaining({ response: expect.objectContaining({ status: "completed", usage: expect.objectContaining({ total_tokens: 5 }) }) })]);
  });

  it("a resumed answer stays one message, and response.completed names the entry that finished it", () => {
    const enc = responsesSseEncoder(new ResponsesStreamEncoder(META));
    enc.chunk(text("Hi"));
    enc.continuedBy("groq/finisher");
    enc.chunk(text(" there"));
    enc.chunk(chunk({}, "stop"));
    const [name, data] = blocks(decode(enc.end())).at(-1)!;
    expect(name).toBe("response.completed");
    expect(data).toMatchObject({ response: { model: "groq/finisher", output: [{ type: "message", content: [{ text: "Hi there" }] }] } });
  });

  it("fails with response.failed carrying the router's error, and nothing after it", () => {
    const enc = responsesSseEncoder(new ResponsesStreamEncoder(META));
    enc.chunk(text("Hi"));
    const failed = blocks(decode(enc.fail(INTERRUPTED)));
    expect(failed.map(([name]) => name)).toEqual(["response.failed"]);
    expect(failed[0]![1]).toMatchObject({ response: { status: "failed", error: { code: "server_error", type: "upstream_stream_error", message: INTERRUPTED.message } } });
    expect(enc.end()).toHaveLength(0);
  });
});
