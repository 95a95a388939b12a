/**
 * Hostile request bodies through the Worker against the loopback fakes: mutated valid chat
 * and embeddings requests (a wrong value at any path), random JSON, deep nesting and huge
 * strings. Every answer is documented and in the envelope, and the Worker stays healthy.
 */
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { call } from "../helpers/http";
import { expectHealthy, expectWellFormed, options, replacedAt, show, timeoutFor } from "./harness";

const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const model = fc.oneof(
  fc.constant("groq/ok@fuzz"),
  fc.constant("mana/fast-text"),
  alnum.map((s) => `groq/ok-${s}@fuzz`),
  alnum.map((s) => `mana/${s}`),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 300 }),
);
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 30 }));
const message = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "user", "developer"), content: text }),
  fc.record({
    role: fc.constant("user"),
    content: fc.array(
      fc.oneof(fc.record({ type: fc.constant("text"), text }), fc.record({ type: fc.constant("image_url"), image_url: fc.record({ url: fc.constant("data:image/png;base64,iVBORw0KGgo=") }) })),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record(
    {
      role: fc.constant("assistant"),
      content: fc.option(text),
      tool_calls: fc.array(fc.record({ id: alnum, type: fc.constant("function"), function: fc.record({ name: alnum, arguments: fc.constant("{}") }) }), { maxLength: 2 }),
    },
    { requiredKeys: ["role"] },
  ),
  fc.record({ role: fc.constant("tool"), content: text, tool_call_id: alnum }),
);
const tool = fc.record({
  type: fc.constant("function"),
  function: fc.record({ name: alnum, description: text, parameters: fc.constant({ type: "object", properties: { q: { type: "string" } } }) }, { requiredKeys: ["name"] }),
});
const chat = fc.record(
  {
    model,
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 4 })),
    seed: fc.integer(),
    tools: fc.array(tool, { maxLength: 3 }),
    tool_choice: fc.constantFrom("none", "auto", "required"),
    response_format: fc.constantFrom({ type: "text" }, { type: "json_object" }, { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } }),
  },
  { requiredKeys: ["messages"] },
);
const embeddings = fc.record(
  {
    model: fc.oneof(fc.constant("groq/embed@fuzz"), fc.constant("mana/embed"), model),
    input: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 8 })),
    encoding_format: fc.constantFrom("float", "base64"),
    dimensions: fc.integer({ min: 1, max: 4096 }),
  },
  { requiredKeys: ["input"] },
);

const wrong = fc.oneof(fc.anything(), fc.jsonValue(), fc.string({ unit: "binary" }), fc.integer(), fc.double(), fc.constant(null), fc.constant([]), fc.constant({}), fc.boolean());

/** `body` with the value at one of its paths (or a new top-level key) replaced by `value`. */
function mutate(body: Record<string, unknown>, pick: number, value: unknown, newKey: string): unknown {
  return replacedAt(body, (paths) => (paths.length === 0 || pick % (paths.length + 1) === paths.length ? [newKey] : paths[pick % (paths.length + 1)]!), value);
}

const post = (path: string, body: string) => call(path, { method: "POST", headers: { "content-type": "application/json" }, body });
const mutated = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(valid, fc.nat(), wrong, fc.oneof(fc.constantFrom("model", "messages", "input", "stream", "tools"), alnum)).map(([b, pick, v, key]) => mutate(b, pick, v, key));

/** A JSON text nesting `depth` containers at some field, built as text (no recursion). */
const deep = fc
  .record({
    depth: fc.integer({ min: 1, max: 20_000 }),
    open: fc.constantFrom("[", '{"a":', '{"type":"object","properties":{"p":'),
    field: fc.constantFrom("response_format", "tools", "messages", "metadata", "input"),
  })
  .map(({ depth, open, field }) => {
    const close = open === "[" ? "]" : "}".repeat(open.split("{").length - 1);
    return `{"model":"groq/ok@fuzz","messages":[{"role":"user","content":"hi"}],"input":"x","${field}":${open.repeat(depth)}1${close.repeat(depth)}}`;
  });
const huge = fc.record({ size: fc.integer({ min: 1_000, max: 400_000 }), field: fc.constantFrom("model", "content", "name", "stop", "tool_call_id", "input", "user") }).map(({ size, field }) => {
  const s = "x".repeat(size);
  const body: Record<string, unknown> = { model: "groq/ok@fuzz", messages: [{ role: "user", content: "hi" }], input: "hi" };
  if (field === "content") body.messages = [{ role: "user", content: s }];
  else if (field === "name") body.tools = [{ type: "function", function: { name: s } }];
  else if (field === "tool_call_id") body.messages = [{ role: "tool", content: "x", tool_call_id: s }];
  else body[field] = s;
  return JSON.stringify(body);
});

afterAll(async () => {
  await expectHealthy();
});

describe("fuzz: request bodies", () => {
  const cases: [string, string, fc.Arbitrary<string>, number][] = [
    ["valid chat requests", "/v1/chat/completions", chat.map((b) => JSON.stringify(b)), 0.07],
    ["mutated chat requests", "/v1/chat/completions", mutated(chat).map((b) => JSON.stringify(b) ?? "null"), 0.18],
    ["mutated embeddings requests", "/v1/embeddings", mutated(embeddings).map((b) => JSON.stringify(b) ?? "null"), 0.09],
    ["random JSON (chat)", "/v1/chat/completions", fc.jsonValue().map((v) => JSON.stringify(v)), 0.05],
    ["random JSON (embeddings)", "/v1/embeddings", fc.jsonValue().map((v) => JSON.stringify(v)), 0.03],
    ["random text", "/v1/chat/completions", fc.string({ unit: "binary", maxLength: 200 }), 0.02],
    ["deep nesting (chat)", "/v1/chat/completions", deep, 0.03],
    ["deep nesting (embeddings)", "/v1/embeddings", deep, 0.01],
    ["huge strings (chat)", "/v1/chat/completions", huge, 0.02],
    ["huge strings (embeddings)", "/v1/embeddings", huge, 0.01],
  ];
  it.each(cases)(
    "%s",
    async (_label, path, arb, share) => {
      await fc.assert(
        fc.asyncProperty(arb, async (body) => {
          await expectWellFormed(await post(path, body), show(body));
        }),
        options(share),
      );
    },
    timeoutFor(0.2),
  );
});
