import { describe, expect, it } from "vitest";
import { convertOllamaStream, usageOf } from "../../src/providers/ollama/convert-stream";
import { decodeNdjson } from "../../src/streaming/decode";
import type { ChatChunk } from "../../src/openai/responses";
import textFixture from "../fixtures/ollama/chat-text.ndjson?raw";
import toolCallsFixture from "../fixtures/ollama/chat-tool-calls.ndjson?raw";
import thinkingFixture from "../fixtures/ollama/chat-thinking-tool-call.ndjson?raw";
import lengthFixture from "../fixtures/ollama/chat-length.ndjson?raw";
import errorFixture from "../fixtures/ollama/chat-error.ndjson?raw";
import malformedFixture from "../fixtures/ollama/chat-malformed.ndjson?raw";
import fencedFixture from "../fixtures/ollama/chat-json-fenced.ndjson?raw";
import cutFixture from "../fixtures/ollama/chat-cut.ndjson?raw";
import singleFixture from "../fixtures/ollama/chat-single.json";
import { bytes, collect, sameAtEverySplit } from "../helpers/streams";

const ID = "chatcmpl-0123456789abcdef0123456789abcdef";

const convert = (parts: Uint8Array[], stripJsonFence = false) =>
  collect((body, onMalformed) => convertOllamaStream(decodeNdjson(body), { id: ID, created: 1_763_000_000, model: "qwen2.5:7b", stripJsonFence, onMalformed }), parts);

/** The whole fixture as one chunk, then split in two at every byte boundary: all must agree. */
const convertAtEverySplit = (text: string, stripJsonFence = false) => sameAtEverySplit(text, (parts) => convert(parts, stripJsonFence));

const contentOf = (chunks: ChatChunk[]) => chunks.map((c) => c.choices[0]!.delta.content ?? "").join("");
const finishOf = (chunks: ChatChunk[]) => chunks.map((c) => c.choices[0]!.finish_reason).filter((f) => f !== null);

describe("convertOllamaStream", () => {
  it("converts a text stream identically at every byte boundary (multi-byte characters included)", async () => {
    const { chunks, malformed, failure } = await convertAtEverySplit(textFixture);
    expect(failure).toBeUndefined();
    expect(malformed).toEqual([]);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]!.delta.content).slice(1, -1)).toEqual(["Hallo", "!", " Grüße", " aus", " Köln", " 👋"]);
    const last = chunks.at(-1)!;
    expect(last.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
    expect(last.usage).toEqual({ prompt_tokens: 31, completion_tokens: 7, total_tokens: 38 });
    expect(finishOf(chunks)).toEqual(["stop"]);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: ID, object: "chat.completion.chunk", created: 1_763_000_000, model: "qwen2.5:7b" });
    }
  });

  it("turns whole tool calls into indexed deltas with generated stable ids and JSON-string arguments", async () => {
    const { chunks } = await convertAtEverySplit(toolCallsFixture);
    const calls = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "call_0123456789abcdef0123_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Köln","unit":"celsius"}' } },
      { index: 1, id: "call_0123456789abcdef0123_1", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Berlin"}' } },
    ]);
    expect(finishOf(chunks)).toEqual(["tool_calls"]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 214, completion_tokens: 41, total_tokens: 255 });
    expect(contentOf(chunks)).toBe("");
  });

  it("keeps Ollama's own tool call id and passes thinking through as reasoning", async () => {
    const { chunks } = await convertAtEverySplit(thinkingFixture);
    expect(chunks.map((c) => c.choices[0]!.delta.reasoning ?? "").join("")).toBe("Okay, the user wants the weather in Köln.");
    const calls = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: "call_5x0u7pmz", type: "function", function: { name: "get_weather", arguments: '{"city":"Köln"}' } }]);
    expect(finishOf(chunks)).toEqual(["tool_calls"]);
  });

  it("maps done_reason length to finish_reason length", async () => {
    const { chunks } = await convertAtEverySplit(lengthFixture);
    expect(contentOf(chunks)).toBe("Once upon a time");
    expect(finishOf(chunks)).toEqual(["length"]);
  });

  it("throws stream-error on an in-stream error line, after the content before it", async () => {
    const { chunks, failure } = await convertAtEverySplit(errorFixture);
    expect(contentOf(chunks)).toBe("The answer");
    expect(finishOf(chunks)).toEqual([]);
    expect(failure).toEqual({ kind: "stream-error", message: "an error was encountered while running the model: unexpected EOF" });
  });

  it("skips and reports malformed lines without ever yielding them", async () => {
    const { chunks, malformed } = await convertAtEverySplit(malformedFixture);
    expect(contentOf(chunks)).toBe("Eins, zwei, drei");
    expect(malformed).toHaveLength(2);
    expect(malformed[0]).toMatch(/unparseable/);
    expect(malformed[1]).toMatch(/unexpected shape/);
    // The detail never quotes the line: it may hold user content.
    expect(malformed.join(" ")).not.toContain("qwen2.5");
    expect(finishOf(chunks)).toEqual(["stop"]);
  });

  it("strips a ```json fence when JSON was requested, identically at every split", async () => {
    const { chunks } = await convertAtEverySplit(fencedFixture, true);
    expect(contentOf(chunks)).toBe('{"city": "Köln","temp": 21}');
    expect(finishOf(chunks)).toEqual(["stop"]);
    // Without the JSON request the answer is passed through untouched.
    const raw = await convert([bytes(fencedFixture)], false);
    expect(contentOf(raw.chunks)).toBe('```json\n{"city": "Köln","temp": 21}\n```');
  });

  it("never holds back more than the fence: content flows before the answer ends", async () => {
    const { chunks } = await convert([bytes(fencedFixture)], true);
    const contentChunks = chunks.filter((c) => c.choices[0]!.delta.content);
    // The JSON body arrives token by token, not as one block at the end.
    expect(contentChunks.length).toBeGreaterThan(5);
    expect(contentChunks[0]!.choices[0]!.delta.content).toBe('{"');
  });

  it("ends without a finish_reason when the done line never came (the router calls it a cut)", async () => {
    const { chunks, failure } = await convertAtEverySplit(cutFixture);
    expect(failure).toBeUndefined();
    expect(contentOf(chunks)).toBe("Die Antwort ist");
    expect(finishOf(chunks)).toEqual([]);
  });

  it("reads a non-streamed answer (one object) the same way", async () => {
    const { chunks } = await convertAtEverySplit(JSON.stringify(singleFixture));
    expect(contentOf(chunks)).toBe("Paris is the capital of France.");
    expect(finishOf(chunks)).toEqual(["stop"]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 26, completion_tokens: 8, total_tokens: 34 });
  });

  it("stops reading after the done line", async () => {
    const trailing = `${textFixture}{"model":"qwen2.5:7b","message":{"role":"assistant","content":"late"},"done":false}\n`;
    const { chunks } = await convert([bytes(trailing)]);
    expect(contentOf(chunks)).not.toContain("late");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("usageOf", () => {
  it("is absent without counts and counts a missing half as 0", () => {
    expect(usageOf({ done: true })).toBeUndefined();
    expect(usageOf({ done: true, eval_count: 5 })).toEqual({ prompt_tokens: 0, completion_tokens: 5, total_tokens: 5 });
  });
});
