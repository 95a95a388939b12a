import { describe, expect, it } from "vitest";
import { plainChunk } from "../../src/providers/openai-compatible/plain-chunk";
import { chunkSchema } from "../../src/providers/openai-compatible/wire";
import textFixture from "../fixtures/openai/chat-text.sse?raw";
import openrouterFixture from "../fixtures/openai/chat-openrouter.sse?raw";
import toolCallsFixture from "../fixtures/openai/chat-tool-calls.sse?raw";
import malformedFixture from "../fixtures/openai/chat-malformed.sse?raw";
import noTrailingBlankFixture from "../fixtures/openai/chat-no-trailing-blank.sse?raw";

type Json = Record<string, unknown>;

/** The JSON objects of a recorded stream's data lines. */
function objectsOf(sse: string): Json[] {
  return sse
    .split(/\r?\n/)
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).trim())
    .flatMap((d) => {
      try {
        const v = JSON.parse(d);
        return typeof v === "object" && v !== null ? [v as Json] : [];
      } catch {
        return [];
      }
    });
}

const choicesOf = (json: Json) => (Array.isArray(json.choices) ? json.choices : []).filter((c): c is Json => typeof c === "object" && c !== null);
const viaSchema = (json: Json) => chunkSchema.safeParse({ ...json, choices: choicesOf(json) });

const base = { id: "x", object: "chat.completion.chunk", created: 1, model: "m" };
const edge: Json[] = [
  { ...base, choices: [{ delta: { content: "no index" } }] },
  { ...base, choices: [{ index: 0, delta: null, finish_reason: "stop" }] },
  { ...base, choices: [{ index: 0 }] },
  { ...base, choices: [{ index: 0, delta: { role: null, content: null, tool_calls: null, reasoning: null, refusal: null }, finish_reason: null, logprobs: null }] },
  { ...base, choices: [{ index: 0, delta: { reasoning: "thinking", content: "" } }], system_fingerprint: null, usage: null, x_extra: { a: 1 } },
  { ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } } },
  { ...base, object: "chunk", choices: [{ index: 1, delta: { content: "second" }, finish_reason: "eos" }] },
];
// Shapes the fast path must leave to the schema (tool calls) or that the schema refuses.
const refused: Json[] = [
  { ...base, choices: [{ index: 0, delta: { content: 42 } }] },
  { ...base, choices: [{ index: "0", delta: {} }] },
  { ...base, choices: [{ index: 0, delta: { role: "user" } }] },
  { ...base, choices: [{ index: 0, delta: {}, finish_reason: 3 }] },
  { ...base, id: 7, choices: [] },
  { ...base, created: "1", choices: [] },
  { ...base, choices: [], usage: { prompt_tokens: 1 } },
  { ...base, choices: [], system_fingerprint: 5 },
  { ...base, choices: [{ index: 0, delta: [] }] },
];

describe("plainChunk: the fast read gives exactly chunkSchema's answer", () => {
  const recorded = [textFixture, openrouterFixture, toolCallsFixture, malformedFixture, noTrailingBlankFixture].flatMap(objectsOf);

  it.each([...recorded, ...edge].map((j) => [JSON.stringify(j).slice(0, 90), j] as const))("%s", (_label, json) => {
    const fast = plainChunk(json, choicesOf(json));
    const schema = viaSchema(json);
    if (fast === undefined) {
      // Left to the schema: only tool-call deltas need it among these.
      expect(JSON.stringify(json)).toContain("tool_calls");
      return;
    }
    expect(schema.success).toBe(true);
    expect(fast).toEqual(schema.data);
  });

  it("takes the plain text stream without the schema", () => {
    const events = objectsOf(textFixture).filter((j) => "choices" in j);
    expect(events.length).toBeGreaterThan(3);
    for (const json of events) expect(plainChunk(json, choicesOf(json))).toBeDefined();
  });

  it.each(refused.map((j) => [JSON.stringify(j), j] as const))("leaves %s to the schema, which refuses it", (_label, json) => {
    expect(plainChunk(json, choicesOf(json))).toBeUndefined();
    expect(viaSchema(json).success).toBe(false);
  });
});
