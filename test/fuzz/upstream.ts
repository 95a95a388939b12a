/**
 * The hostile-upstream fuzz suite's shared part (issue 11): per wire format, a fake
 * upstream answering fast-check-generated garbage through the `scripted` fault — random
 * bytes, broken frames, wrong-typed fields, deep nesting, huge frames, error frames,
 * mid-stream cuts, frames split at random byte offsets — and the properties every answer
 * must have: a documented status, the envelope, no truncated 200 (a JSON answer is a
 * complete chat.completion; a stream ends with [DONE] or an error event), no 500, the
 * healthy fallback entry never charged, and the Worker healthy afterwards.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { callWith, chainYaml, hostileProviders, postWith, scriptFake, sseEvents } from "../helpers/http";
import { expectWellFormed, replacedAt, show } from "./harness";

export type Wire = "openai" | "ollama" | "gemini";

type Json = Record<string, unknown>;

const FINISH_REASONS = ["stop", "length", "tool_calls", "content_filter", "function_call"];
/** Attempt reasons an upstream's behaviour may produce; anything else would be a bug of ours. */
const UPSTREAM_REASONS = new Set(["connect", "timeout", "malformed", "stream-error", "http-5xx", "rate-limited", "model-not-found", "context-length", "incapable"]);

interface Format {
  prefix: string;
  fake: "openaiFakeUrl" | "ollamaFakeUrl" | "geminiFakeUrl";
  contentType: string;
  frame(value: unknown): string;
  content(text: string): Json;
  finish(): Json;
  error(): Json;
  /** Frames a good answer ends with after its finish ([DONE] for OpenAI). */
  tail: string[];
}

const sse = (v: unknown) => `data: ${typeof v === "string" ? v : JSON.stringify(v)}\n\n`;

export const FORMATS: Record<Wire, Format> = {
  openai: {
    prefix: "oa",
    fake: "openaiFakeUrl",
    contentType: "text/event-stream",
    frame: sse,
    content: (text) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: text }, finish_reason: null }] }),
    finish: () => ({
      id: "c1",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
    error: () => ({ error: { message: "upstream broke", type: "server_error" } }),
    tail: ["data: [DONE]\n\n"],
  },
  ollama: {
    prefix: "ol",
    fake: "ollamaFakeUrl",
    contentType: "application/x-ndjson",
    frame: (v) => `${typeof v === "string" ? v : JSON.stringify(v)}\n`,
    content: (text) => ({ model: "m", message: { role: "assistant", content: text }, done: false }),
    finish: () => ({ model: "m", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 1, eval_count: 1 }),
    error: () => ({ error: "upstream broke" }),
    tail: [],
  },
  gemini: {
    prefix: "gm",
    fake: "geminiFakeUrl",
    contentType: "text/event-stream",
    frame: sse,
    content: (text) => ({ candidates: [{ content: { role: "model", parts: [{ text }] } }] }),
    finish: () => ({ candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } }),
    error: () => ({ error: { code: 500, message: "upstream broke", status: "INTERNAL" } }),
    tail: [],
  },
};

/** `value` with the thing at the `pick`-th path replaced. */
function setAt(value: Json, pick: number, replacement: unknown): Json {
  return replacedAt(value, (paths) => paths[pick % paths.length]!, replacement);
}

const DEEP = "__DEEP__";
const word = fc.string({ minLength: 1, maxLength: 12 });
const wrongValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: "binary", maxLength: 20 }), fc.integer(), fc.constant(null), fc.constant(""), fc.constant([]), fc.constant({}));

/** One frame of garbage, as text or bytes. */
function garbage(f: Format): fc.Arbitrary<string | Uint8Array> {
  const good = word.map((w) => f.content(w));
  return fc.oneof(
    // A good frame with one field of the wrong type (or removed structure).
    { weight: 6, arbitrary: fc.tuple(fc.oneof(good, fc.constant(f.finish())), fc.nat(), wrongValue).map(([v, pick, x]) => f.frame(setAt(v, pick, x))) },
    // Deeply nested JSON at some field of a good frame.
    {
      weight: 2,
      arbitrary: fc.tuple(good, fc.nat(), fc.integer({ min: 30, max: 20_000 }), fc.constantFrom("[", '{"a":')).map(([v, pick, depth, open]) => {
        const close = open === "[" ? "]" : "}";
        return f.frame(JSON.stringify(setAt(v, pick, DEEP)).replace(`"${DEEP}"`, `${open.repeat(depth)}1${close.repeat(depth)}`));
      }),
    },
    // A frame cut short, or text that is not JSON at all.
    { weight: 2, arbitrary: fc.tuple(good, fc.nat()).map(([v, n]) => f.frame(JSON.stringify(v).slice(0, n % 40))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }).map((s) => f.frame(s)) },
    // Raw bytes (invalid UTF-8 included), frame terminators or not.
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom("\n", "\r", "\r\n\r\n", "data:", "data: \n\n", ": keep-alive\n\n", "event: error\n", "\n\n\n") },
    // An in-stream error, and a frame too big (over MAX_FRAME_LENGTH sometimes).
    { weight: 1, arbitrary: fc.constant(f.frame(f.error())) },
    { weight: 1, arbitrary: fc.constantFrom(64 * 1024, 2 * 1024 * 1024 + 16).map((n) => f.frame(f.content("x".repeat(n)))) },
  );
}

export interface UpstreamCase {
  frames: (string | Uint8Array)[];
  /** Byte offsets (fractions) where the body is split into separate writes. */
  cuts: number[];
  end: "end" | "destroy";
  status: number;
  contentType: string;
  stream: boolean;
  includeUsage: boolean;
  fallback: boolean;
  checkBreakers: boolean;
}

export function upstreamCase(wire: Wire): fc.Arbitrary<UpstreamCase> {
  const f = FORMATS[wire];
  const good = word.map((w) => f.frame(f.content(w)));
  const frame = fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: garbage(f) }, { weight: 1, arbitrary: fc.constant(f.frame(f.finish())) });
  return fc.record({
    frames: fc.tuple(fc.array(frame, { maxLength: 6 }), fc.boolean()).map(([fs, finish]) => (finish ? [...fs, f.frame(f.finish()), ...f.tail] : fs)),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    end: fc.constantFrom("end", "end", "end", "destroy"),
    status: fc.constantFrom(200, 200, 200, 200, 200, 200, 400, 404, 429, 500, 503),
    contentType: fc.constantFrom(f.contentType, f.contentType, f.contentType, f.contentType, "application/json", "text/html", "text/plain"),
    stream: fc.boolean(),
    includeUsage: fc.boolean(),
    fallback: fc.boolean(),
    checkBreakers: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  });
}

/** The frames one after another, as the bytes the fake sends. */
function bytesOf(frames: readonly (string | Uint8Array)[]): Uint8Array {
  const parts = frames.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

let counter = 0;

/** One case through the Worker: script the fake, call, check the answer. */
export async function runUpstreamCase(wire: Wire, c: UpstreamCase): Promise<void> {
  const f = FORMATS[wire];
  const body = bytesOf(c.frames);
  const offsets = [...new Set(c.cuts.map((x) => Math.floor(x * body.length)))].filter((o) => o > 0 && o < body.length).sort((a, b) => a - b);
  const chunks = [0, ...offsets].map((start, i) => base64(body.subarray(start, offsets[i] ?? body.length)));
  const fault = await scriptFake(f.fake, { status: c.status, headers: { "content-type": c.contentType }, chunks, encoding: "base64", end: c.end });
  // Providers of this case only: its breakers start closed, whatever the cases before did.
  const t = `${wire}${(counter++).toString(36)}x${Date.now().toString(36)}`;
  const hostile = `${f.prefix}-${t}/${fault}`;
  const healthy = `ok-${t}/ok@fuzz`;
  const vars = { ALIASES_YAML: chainYaml(c.fallback ? [hostile, healthy] : [hostile], `providers:\n${hostileProviders(t)}`) };
  const label = `${wire} case ${show({ ...c, frames: c.frames.map((p) => (typeof p === "string" ? p : `<${p.length} bytes>`)) })}`;
  const res = await postWith(vars, "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }], stream: c.stream, stream_options: { include_usage: c.includeUsage } });
  const attempts = res.headers.get("x-mana-llm-attempts");
  for (const a of attempts ? attempts.split(", ") : []) expect(UPSTREAM_REASONS, `${label}: attempt ${a}`).toContain(a.slice(a.lastIndexOf("=") + 1));
  if (res.status !== 200) {
    await expectWellFormed(res, label);
  } else if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    expect(c.stream, label).toBe(true);
    const events = await sseEvents(res);
    const last = events.at(-1);
    expect(last, label).toBeDefined();
    if (last !== "[DONE]") {
      const err = (JSON.parse(last!) as { error?: { code?: unknown; message?: unknown } }).error;
      expect(err, `${label}: a stream that ends without [DONE] ends with an error event`).toBeDefined();
      expect(err!.code, label).not.toBe("internal_error");
    }
    for (const e of events.slice(0, -1)) expectChunk(JSON.parse(e), label);
  } else {
    expect(c.stream, label).toBe(false);
    const completion = (await res.json()) as { object: string; choices: { message: { role: string; content: unknown; tool_calls?: unknown[] }; finish_reason: unknown }[] };
    expect(completion.object, label).toBe("chat.completion");
    const choice = completion.choices[0]!;
    expect(choice.message.role, label).toBe("assistant");
    expect(FINISH_REASONS, `${label}: a JSON answer is complete`).toContain(choice.finish_reason);
    if (choice.message.content !== null) expect(typeof choice.message.content, label).toBe("string");
  }
  if (c.checkBreakers) {
    const health = (await (await callWith(vars, "/v1/health")).json()) as { providers: Record<string, { consecutive_failures: number; last_error: string | null }> };
    // The healthy entry is never blamed for the hostile one; the hostile one only for what it did.
    if (c.fallback) expect(health.providers[`ok-${t}`]?.consecutive_failures ?? 0, label).toBe(0);
    const lastError = health.providers[`${f.prefix}-${t}`]?.last_error;
    if (lastError) expect(UPSTREAM_REASONS, `${label}: breaker last_error ${lastError}`).toContain(lastError.split(/[ (:]/)[0]);
  }
}

/** A streamed chunk holds only well-typed fields: what the upstream sent wrong never passes through. */
function expectChunk(chunk: { object?: unknown; choices?: unknown }, label: string): void {
  expect(chunk.object, label).toBe("chat.completion.chunk");
  expect(Array.isArray(chunk.choices), label).toBe(true);
  for (const choice of chunk.choices as { delta: Record<string, unknown>; finish_reason: unknown }[]) {
    expect(typeof choice.delta, label).toBe("object");
    if (choice.delta.content != null) expect(typeof choice.delta.content, label).toBe("string");
    if (choice.delta.tool_calls !== undefined) expect(Array.isArray(choice.delta.tool_calls), label).toBe(true);
    if (choice.finish_reason != null) expect(FINISH_REASONS, label).toContain(choice.finish_reason);
  }
}
