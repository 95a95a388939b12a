import { describe, expect, it } from "vitest";
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from "../../src/openai/responses";
import { CompletionAggregator } from "../../src/routing/aggregate";

const NOW = 1_763_000_000_000;

function chunk(delta: ChunkDelta, finish: FinishReason | null = null, extra: Partial<ChatChunk> = {}): ChatChunk {
  return { id: "chatcmpl-up", object: "chat.completion.chunk", created: 1_700_000_000, model: "up-model", choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
}

function usageChunk(usage: Usage): ChatChunk {
  return { id: "chatcmpl-up", object: "chat.completion.chunk", created: 1_700_000_000, model: "up-model", choices: [], usage };
}

function aggregate(chunks: ChatChunk[], model = "groq/llama") {
  const agg = new CompletionAggregator();
  for (const c of chunks) agg.add(c);
  return agg.result(model, "chatcmpl-fallback", NOW);
}

const USAGE: Usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

describe("CompletionAggregator", () => {
  it("joins content, keeps finish_reason, usage, id, created and fingerprint", () => {
    const result = aggregate([
      chunk({ role: "assistant", content: "" }, null, { system_fingerprint: "fp_1" }),
      chunk({ content: "héllo" }),
      chunk({ content: " 👋" }),
      chunk({}, "stop"),
      usageChunk(USAGE),
    ]);
    expect(result).toEqual({
      id: "chatcmpl-up",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "groq/llama",
      choices: [{ index: 0, message: { role: "assistant", content: "héllo 👋", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: USAGE,
      system_fingerprint: "fp_1",
    });
  });

  it("falls back to the given id and now when no chunk named them", () => {
    const result = new CompletionAggregator().result("m", "chatcmpl-fallback", NOW);
    expect(result.id).toBe("chatcmpl-fallback");
    expect(result.created).toBe(Math.floor(NOW / 1000));
    expect(result.choices[0]!.finish_reason).toBeNull();
    expect(result.usage).toBeUndefined();
    expect(result.system_fingerprint).toBeUndefined();
  });

  it("joins tool-call argument fragments per index and leaves content null", () => {
    const result = aggregate([
      chunk({ role: "assistant", content: null }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Zürich"}' } }] }),
      chunk({}, "tool_calls"),
    ]);
    const message = result.choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Zürich"}' } }]);
    expect(result.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("sorts several tool calls by index, whatever order their fragments came in", () => {
    const result = aggregate([
      chunk({ tool_calls: [{ index: 1, id: "call_b", function: { name: "second", arguments: '{"b":' } }] }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", function: { name: "first", arguments: '{"a":' } }] }),
      chunk({
        tool_calls: [
          { index: 1, function: { arguments: "2}" } },
          { index: 0, function: { arguments: "1}" } },
        ],
      }),
      chunk({}, "tool_calls"),
    ]);
    expect(result.choices[0]!.message.tool_calls).toEqual([
      { id: "call_a", type: "function", function: { name: "first", arguments: '{"a":1}' } },
      { id: "call_b", type: "function", function: { name: "second", arguments: '{"b":2}' } },
    ]);
  });

  it("merges extra_content across fragments of one call", () => {
    const result = aggregate([
      chunk({ tool_calls: [{ index: 0, id: "call_a", function: { name: "f", arguments: "{}" }, extra_content: { google: { thought_signature: "sig" } } }] }),
      chunk({ tool_calls: [{ index: 0, extra_content: { other: 1 } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(result.choices[0]!.message.tool_calls![0]!.extra_content).toEqual({ google: { thought_signature: "sig" }, other: 1 });
  });

  it("has no extra_content on a call that never had any", () => {
    const result = aggregate([chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }), chunk({}, "tool_calls")]);
    expect(result.choices[0]!.message.tool_calls![0]).not.toHaveProperty("extra_content");
  });

  it("keeps text that came with tool calls", () => {
    const result = aggregate([chunk({ content: "Let me check." }), chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }), chunk({}, "tool_calls")]);
    expect(result.choices[0]!.message.content).toBe("Let me check.");
    expect(result.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it('gives an empty answer content "" and no tool_calls key', () => {
    const result = aggregate([chunk({ role: "assistant", content: "" }), chunk({}, "stop")]);
    expect(result.choices[0]!.message.content).toBe("");
    expect(result.choices[0]!.message).not.toHaveProperty("tool_calls");
  });

  it('gives content "" even when no chunk carried content at all', () => {
    const result = aggregate([chunk({ role: "assistant" }), chunk({}, "stop")]);
    expect(result.choices[0]!.message.content).toBe("");
  });

  it("ignores choices other than index 0", () => {
    const result = aggregate([
      {
        ...chunk({ content: "zero" }),
        choices: [
          { index: 0, delta: { content: "zero" }, finish_reason: null },
          { index: 1, delta: { content: "one" }, finish_reason: "length" },
        ],
      },
      chunk({}, "stop"),
    ]);
    expect(result.choices[0]!.message.content).toBe("zero");
    expect(result.choices[0]!.finish_reason).toBe("stop");
  });

  it("keeps usage that arrives on the finishing chunk itself", () => {
    const result = aggregate([chunk({ content: "x" }), chunk({}, "length", { usage: USAGE })]);
    expect(result.usage).toEqual(USAGE);
    expect(result.choices[0]!.finish_reason).toBe("length");
  });
});
