import { describe, expect, it } from "vitest";
import { convertGeminiEvent, createGeminiStreamState, convertGeminiStream, generateContentToChunks, mapGeminiUsage } from "../../src/providers/gemini/convert-stream";
import { signatureFromToolCallId } from "../../src/providers/gemini/thought-signature";
import generateContent from "../fixtures/gemini/generate-content.json";
import functionCall from "../fixtures/gemini/function-call.sse?raw";
import inStreamError from "../fixtures/gemini/in-stream-error.sse?raw";
import malformedEvent from "../fixtures/gemini/malformed-event.sse?raw";
import malformedFunctionCall from "../fixtures/gemini/malformed-function-call.sse?raw";
import maxTokens from "../fixtures/gemini/max-tokens.sse?raw";
import promptBlocked from "../fixtures/gemini/prompt-blocked.sse?raw";
import safetyAfterText from "../fixtures/gemini/safety-after-text.sse?raw";
import safety from "../fixtures/gemini/safety.sse?raw";
import textStream from "../fixtures/gemini/text-stream.sse?raw";
import thinking from "../fixtures/gemini/thinking.sse?raw";
import { bytes, collect } from "../helpers/streams";

const OPTS = { id: "chatcmpl-test", created: 1_700_000_000, model: "gemini-2.5-flash" };

let callIds = 0;
const run = (parts: Uint8Array[]) => {
  callIds = 0;
  return collect((body, onMalformed) => convertGeminiStream(body, { ...OPTS, newToolCallId: () => `call_${++callIds}`, onMalformed }), parts);
};

const FIXTURES: Record<string, string> = {
  "text-stream.sse": textStream,
  "function-call.sse": functionCall,
  "max-tokens.sse": maxTokens,
  "safety.sse": safety,
  "safety-after-text.sse": safetyAfterText,
  "prompt-blocked.sse": promptBlocked,
  "malformed-function-call.sse": malformedFunctionCall,
  "thinking.sse": thinking,
  "in-stream-error.sse": inStreamError,
  "malformed-event.sse": malformedEvent,
};

describe("Gemini SSE → OpenAI chunks, split at every byte boundary", () => {
  for (const [name, text] of Object.entries(FIXTURES)) {
    it(`${name}: every two-piece split and a byte-by-byte feed give identical results`, async () => {
      const all = bytes(text);
      const whole = await run([all]);
      expect(whole.chunks.length + (whole.failure ? 1 : 0)).toBeGreaterThan(0);
      for (let i = 1; i < all.length; i++) {
        const split = await run([all.slice(0, i), all.slice(i)]);
        // toEqual on every split would be slow to report; compare serialised forms.
        if (JSON.stringify(split) !== JSON.stringify(whole)) expect({ at: i, ...split }).toEqual({ at: i, ...whole });
      }
      const byteByByte = await run(Array.from(all, (b) => Uint8Array.of(b)));
      expect(byteByByte).toEqual(whole);
    });
  }
});

describe("Gemini SSE fixtures convert to the expected chunks", () => {
  it("text: role on the first chunk, multibyte text intact, finish + usage (thoughts count as completion)", async () => {
    const { chunks, failure, malformed } = await run([bytes(textStream)]);
    expect(failure).toBeUndefined();
    expect(malformed).toEqual([]);
    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([{ role: "assistant", content: "Grüße aus Zürich" }, { content: " — das Wetter ist schön 🌤️, " }, { content: "日本語も大丈夫です。" }]);
    expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, null, "stop"]);
    expect(chunks.slice(0, 2).every((c) => c.usage === undefined)).toBe(true);
    expect(chunks[2]!.usage).toEqual({ prompt_tokens: 9, completion_tokens: 63, total_tokens: 72 });
    expect(chunks.every((c) => c.id === OPTS.id && c.object === "chat.completion.chunk" && c.model === OPTS.model)).toBe(true);
  });

  it("function calls: complete arguments, indexes, ids, the signature in extra_content, finish tool_calls", async () => {
    const { chunks, failure } = await run([bytes(functionCall)]);
    expect(failure).toBeUndefined();
    expect(chunks).toHaveLength(1);
    const choice = chunks[0]!.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.delta.role).toBe("assistant");
    expect(choice.delta.tool_calls).toEqual([
      {
        index: 0,
        // The signed call's id carries the signature too (for clients that drop extra_content).
        id: expect.stringMatching(/^call_1_sig_CiQB0e2Kb7Rz[A-Za-z0-9_-]+$/),
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
        extra_content: { google: { thought_signature: expect.stringMatching(/^CiQB0e2Kb7Rz/) } },
      },
      // Only the first of parallel calls is signed by Gemini.
      { index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
    ]);
    const signed = choice.delta.tool_calls![0]!;
    expect(signatureFromToolCallId(signed.id!)).toBe((signed.extra_content as { google: { thought_signature: string } }).google.thought_signature);
    expect(chunks[0]!.usage).toEqual({ prompt_tokens: 61, completion_tokens: 91, total_tokens: 152 });
  });

  it("MAX_TOKENS: the partial text, then finish_reason length", async () => {
    const { chunks, failure } = await run([bytes(maxTokens)]);
    expect(failure).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]!.delta.content).join("")).toBe("Once upon a time, in a kingdom by the sea, there lived a");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 7, completion_tokens: 14, total_tokens: 21 });
  });

  it("SAFETY: blocked, naming the reason and the flagged category — never an empty success", async () => {
    const { chunks, failure } = await run([bytes(safety)]);
    expect(chunks).toEqual([]);
    expect(failure).toEqual({ kind: "blocked", message: expect.stringContaining("SAFETY"), categories: ["HARM_CATEGORY_DANGEROUS_CONTENT"] });
  });

  it("SAFETY after some text: the text is delivered, then the block is thrown", async () => {
    const { chunks, failure } = await run([bytes(safetyAfterText)]);
    expect(chunks.map((c) => c.choices[0]!.delta.content)).toEqual(["Step one: mix the"]);
    expect(chunks.every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    expect(failure).toMatchObject({ kind: "blocked", categories: ["HARM_CATEGORY_DANGEROUS_CONTENT"] });
  });

  it("promptFeedback.blockReason: blocked, categories from the prompt ratings", async () => {
    const { chunks, failure } = await run([bytes(promptBlocked)]);
    expect(chunks).toEqual([]);
    expect(failure).toEqual({ kind: "blocked", message: expect.stringContaining("PROHIBITED_CONTENT"), categories: ["HARM_CATEGORY_SEXUALLY_EXPLICIT"] });
  });

  it("MALFORMED_FUNCTION_CALL: a clear upstream error, not an empty answer", async () => {
    const { chunks, failure } = await run([bytes(malformedFunctionCall)]);
    expect(chunks).toEqual([]);
    expect(failure).toMatchObject({ kind: "stream-error", code: "malformed_function_call" });
    expect((failure as { message: string }).message).toMatch(/malformed function call.*MALFORMED_FUNCTION_CALL/i);
  });

  it("thought parts are reasoning, not content; the empty signed tail still finishes", async () => {
    const { chunks, failure } = await run([bytes(thinking)]);
    expect(failure).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([{ role: "assistant", reasoning: "**Considering the question**\nThe user asks for a sum." }, { content: "2 + 2 = 4" }, {}]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 8, completion_tokens: 41, total_tokens: 49 });
  });

  it("an error object inside the stream: content so far, then stream-error", async () => {
    const { chunks, failure } = await run([bytes(inStreamError)]);
    expect(chunks.map((c) => c.choices[0]!.delta.content)).toEqual(["The first part"]);
    expect(failure).toMatchObject({ kind: "stream-error", code: "INTERNAL" });
  });

  it("malformed events are reported and skipped, never yielded", async () => {
    const { chunks, failure, malformed } = await run([bytes(malformedEvent)]);
    expect(failure).toBeUndefined();
    expect(malformed).toHaveLength(2);
    expect(chunks.map((c) => c.choices[0]!.delta.content).join("")).toBe("Hello world");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("convertGeminiEvent edge cases", () => {
  it("an empty candidate with an unknown finish reason is an error naming it", () => {
    const { chunks, error } = convertGeminiEvent(createGeminiStreamState(), { candidates: [{ content: { parts: [] }, finishReason: "SOMETHING_NEW" }] }, OPTS);
    expect(chunks).toEqual([]);
    expect(error?.failure).toMatchObject({ kind: "stream-error", message: expect.stringContaining("SOMETHING_NEW") });
  });

  it("STOP with no content is a valid empty answer", () => {
    const { chunks, error } = convertGeminiEvent(createGeminiStreamState(), { candidates: [{ content: { parts: [{ text: "" }] }, finishReason: "STOP" }] }, OPTS);
    expect(error).toBeUndefined();
    expect(chunks).toEqual([{ ...base(), choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: "stop" }] }]);
  });

  it("usage arriving after the finish travels on a usage-only chunk, once", () => {
    const state = createGeminiStreamState();
    convertGeminiEvent(state, { candidates: [{ content: { parts: [{ text: "hi" }] }, finishReason: "STOP" }] }, OPTS);
    const usageMetadata = { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 };
    expect(convertGeminiEvent(state, { usageMetadata }, OPTS).chunks).toEqual([{ ...base(), choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }]);
    expect(convertGeminiEvent(state, { usageMetadata }, OPTS).chunks).toEqual([]);
  });

  it("MAX_TOKENS after a function call stays length; STOP after one becomes tool_calls", () => {
    const call = { functionCall: { name: "f", args: {} } };
    const a = convertGeminiEvent(createGeminiStreamState(), { candidates: [{ content: { parts: [call] }, finishReason: "MAX_TOKENS" }] }, { ...OPTS, newToolCallId: () => "c" });
    expect(a.chunks[0]!.choices[0]!.finish_reason).toBe("length");
    const state = createGeminiStreamState();
    convertGeminiEvent(state, { candidates: [{ content: { parts: [call] } }] }, { ...OPTS, newToolCallId: () => "c" });
    expect(convertGeminiEvent(state, { candidates: [{ finishReason: "STOP" }] }, OPTS).chunks[0]!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("a functionCall id given by Gemini is kept as the tool call id", () => {
    const { chunks } = convertGeminiEvent(createGeminiStreamState(), { candidates: [{ content: { parts: [{ functionCall: { name: "f", args: null, id: "fc-7" } }] } }] }, OPTS);
    expect(chunks[0]!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: "fc-7", type: "function", function: { name: "f", arguments: "{}" } }]);
  });

  it("a non-streaming generateContent answer converts like a one-event stream", () => {
    const { chunks, error } = generateContentToChunks(generateContent, OPTS);
    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      {
        ...base(),
        choices: [{ index: 0, delta: { role: "assistant", content: "A red square on a white background." }, finish_reason: "stop" }],
        usage: { prompt_tokens: 266, completion_tokens: 35, total_tokens: 301 },
      },
    ]);
  });

  it("usage: tool-use prompt tokens are prompt tokens; a missing total is computed", () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2 })).toEqual({ prompt_tokens: 15, completion_tokens: 2, total_tokens: 17 });
  });
});

function base() {
  return { id: OPTS.id, object: "chat.completion.chunk" as const, created: OPTS.created, model: OPTS.model };
}
