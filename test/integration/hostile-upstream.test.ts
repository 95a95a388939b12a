/**
 * Hostile upstreams (issue 11, findings 6–8 and 10): each fake answers a scripted body,
 * byte for byte, and the client must see a documented answer — a fallback, a 502, or an
 * error event after commit — never a 500, a wrong-typed field, or a provider's breaker
 * blamed for something it did not do.
 */
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { callWith, chainYaml, hostileProviders, postWith, scriptFake, sseEvents, tag } from "../helpers/http";

type Wire = "openai" | "ollama" | "gemini";
const FAKE = { openai: "openaiFakeUrl", ollama: "ollamaFakeUrl", gemini: "geminiFakeUrl" } as const;
const PREFIX = { openai: "oa", ollama: "ol", gemini: "gm" } as const;
const SSE = { "content-type": "text/event-stream" };
const NDJSON = { "content-type": "application/x-ndjson" };
const hi = [{ role: "user", content: "hi" }];

/** `n` nested arrays: past any depth bound, and past the stack of anything recursive. */
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const DEEP = deep(20_000);

const oaChunk = (delta: unknown, finish: unknown = null, extra = "") =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]${extra}}\n\n`;
const olLine = (content: string, done = false, extra = "") =>
  `{"model":"m","message":{"role":"assistant","content":${JSON.stringify(content)}},"done":${done}${done ? ',"done_reason":"stop","prompt_eval_count":1,"eval_count":1' : ""}${extra}}\n`;
const gmEvent = (text: string, finish?: string, extra = "") =>
  `data: {"candidates":[{"content":{"role":"model","parts":[{"text":${JSON.stringify(text)}}]}${finish ? `,"finishReason":"${finish}"` : ""}}]${extra}}\n\n`;

/** One answer in each wire format: a first content frame, a second, the finish; `extra` is spliced into the frame at `at`. */
function frames(wire: Wire, at: 0 | 1, extra: string): string[] {
  const x = (i: number) => (i === at ? extra : "");
  if (wire === "openai") return [oaChunk({ role: "assistant", content: "Hel" }, null, x(0)), oaChunk({ content: "lo" }, null, x(1)), oaChunk({}, "stop"), "data: [DONE]\n\n"];
  if (wire === "ollama") return [olLine("Hel", false, x(0)), olLine("lo", false, x(1)), olLine("", true)];
  return [gmEvent("Hel", undefined, x(0)), gmEvent("lo", undefined, x(1)), gmEvent("", "STOP")];
}

async function scripted(wire: Wire, chunks: string[]): Promise<string> {
  return scriptFake(FAKE[wire], { headers: wire === "ollama" ? NDJSON : SSE, chunks });
}

/** A chain of the scripted entry, then a healthy one; the test's own providers (own breakers). */
function vars(t: string, chain: string[]): Record<string, string> {
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${hostileProviders(t)}`) };
}

type Health = { providers: Record<string, { state: string; consecutive_failures: number; last_error: string | null }> };
async function breaker(v: Record<string, string>, provider: string) {
  const health = await (await callWith(v, "/v1/health")).json<Health>();
  return health.providers[provider];
}

describe("finding 7: deeply nested upstream JSON", () => {
  for (const wire of ["openai", "ollama", "gemini"] as const) {
    it(`${wire}: in the first content frame → malformed before commit, the next entry answers (stream and JSON)`, async () => {
      const t = tag();
      for (const stream of [true, false]) {
        const entry = `${PREFIX[wire]}-${t}/${await scripted(wire, frames(wire, 0, `,"x":${DEEP}`))}`;
        const v = vars(t, [entry, `ok-${t}/ok@${t}`]);
        const res = await postWith(v, "/v1/chat/completions", { model: "mana/t", messages: hi, stream });
        const text = await res.text();
        expect(res.status, text.slice(0, 500)).toBe(200);
        expect(res.headers.get("x-mana-llm-resolved")).toBe(`ok-${t}/ok@${t}`);
        expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
        if (stream) expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
        else expect(JSON.parse(text)).toMatchObject({ object: "chat.completion", choices: [{ finish_reason: "stop" }] });
      }
    });

    it(`${wire}: in a later frame → an error event naming the payload, no [DONE], never "could not connect"`, async () => {
      const t = tag();
      const entry = `${PREFIX[wire]}-${t}/${await scripted(wire, frames(wire, 1, `,"x":${DEEP}`))}`;
      const res = await postWith(vars(t, [entry, `ok-${t}/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: hi, stream: true });
      expect(res.status).toBe(200);
      const events = await sseEvents(res);
      expect(events).not.toContain("[DONE]");
      const last = JSON.parse(events.at(-1)!) as { error: ErrorBody };
      expect(last.error.code).toBe("upstream_stream_error");
      expect(last.error.message).toContain("nests deeper than 64 levels");
      expect(last.error.message).not.toMatch(/connect/);
    });
  }
});

describe("finding 8: wrong-typed upstream fields never pass through", () => {
  const cases: [string, string[]][] = [
    ['tool_calls: "abc"', [oaChunk({ role: "assistant", tool_calls: "abc" }), oaChunk({}, "tool_calls"), "data: [DONE]\n\n"]],
    ["tool_calls as a number", [oaChunk({ role: "assistant", tool_calls: 7 }), oaChunk({}, "tool_calls"), "data: [DONE]\n\n"]],
    ["content: 12345", [oaChunk({ role: "assistant", content: 12345 }), oaChunk({}, "stop"), "data: [DONE]\n\n"]],
    ["delta as a string", [oaChunk("hello"), oaChunk({}, "stop"), "data: [DONE]\n\n"]],
    ["finish_reason 1", [oaChunk({ role: "assistant", content: "x" }), oaChunk({}, 1), "data: [DONE]\n\n"]],
    ["finish_reason an object", [oaChunk({ role: "assistant", content: "x" }), oaChunk({}, { why: "stop" }), "data: [DONE]\n\n"]],
    ['usage: "lots"', [oaChunk({ role: "assistant", content: "x" }), oaChunk({}, "stop", ',"usage":"lots"'), "data: [DONE]\n\n"]],
  ];
  for (const [label, chunks] of cases) {
    it(`OpenAI-compatible ${label}: the frame is skipped and counted; the answer is refused or holds only well-typed fields`, async () => {
      const t = tag();
      for (const stream of [false, true]) {
        const entry = `oa-${t}/${await scripted("openai", chunks)}`;
        const res = await postWith(vars(t, [entry, `ok-${t}/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: hi, stream });
        expect(res.status).toBe(200);
        const text = await res.text();
        // Either the entry's answer without the bad field, or (a cut stream) the next entry's.
        if (res.headers.get("x-mana-llm-resolved") !== entry)
          expect(res.headers.get("x-mana-llm-attempts")).toMatch(new RegExp(`^${entry.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}=(stream-error|malformed)$`));
        const payloads = stream ? (await sseEvents(new Response(text))).filter((e) => e !== "[DONE]").map((e) => JSON.parse(e)) : [JSON.parse(text)];
        for (const p of payloads) {
          for (const c of p.choices ?? []) {
            const m = c.delta ?? c.message;
            expect(typeof m, label).toBe("object");
            if (m.content != null) expect(typeof m.content).toBe("string");
            if (m.tool_calls !== undefined) for (const tc of m.tool_calls) expect(tc.function.name, label).not.toBe("");
            if (c.finish_reason != null) expect(["stop", "length", "tool_calls", "content_filter", "function_call"]).toContain(c.finish_reason);
          }
          if (p.usage !== undefined) expect(typeof p.usage).toBe("object");
        }
      }
    });
  }

  it('OpenAI-compatible finish_reason "banana": folded into stop, never returned as sent', async () => {
    const t = tag();
    const entry = `oa-${t}/${await scripted("openai", [oaChunk({ role: "assistant", content: "x" }), oaChunk({}, "banana"), "data: [DONE]\n\n"])}`;
    const res = await postWith(vars(t, [entry]), "/v1/chat/completions", { model: "mana/t", messages: hi });
    expect(await res.json()).toMatchObject({ choices: [{ finish_reason: "stop", message: { content: "x" } }] });
  });

  it("Gemini: a function call with an empty name is skipped, never a nameless tool call", async () => {
    const t = tag();
    const call = 'data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"","args":{}}}]},"finishReason":"STOP"}]}\n\n';
    const entry = `gm-${t}/${await scripted("gemini", [gmEvent("ok"), call])}`;
    const res = await postWith(vars(t, [entry, `ok-${t}/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: hi });
    const body = await res.json<{ choices: { message: { tool_calls?: { function: { name: string } }[] } }[] }>();
    expect(body.choices[0]!.message.tool_calls).toBeUndefined();
    // The only finish was in the skipped event: a cut, answered by the next entry.
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=stream-error`);
  });
});

describe("finding 6: embeddings vectors are checked", () => {
  const bodies: [string, string][] = [
    ['["a","b"]', '{"data":[{"index":0,"embedding":["a","b"]}]}'],
    ["[null,1]", '{"data":[{"index":0,"embedding":[null,1]}]}'],
    ["vectors of different lengths", '{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[3]}]}'],
    ["1e309", '{"data":[{"index":0,"embedding":[1e309,1]}]}'],
    ["an empty vector", '{"data":[{"index":0,"embedding":[]}]}'],
  ];
  for (const [label, body] of bodies) {
    it(`OpenAI-compatible ${label} → malformed: 502 alone, the next entry with a fallback`, async () => {
      const t = tag();
      const input = label === "vectors of different lengths" ? ["a", "b"] : "a";
      const entry = `oa-${t}/${await scriptFake("openaiFakeUrl", { headers: { "content-type": "application/json" }, chunks: [body] })}`;
      const direct = await postWith(vars(t, [entry]), "/v1/embeddings", { model: "mana/t", input });
      // A chain of one that failed: the documented 503 listing the attempt (DESIGN § Request path 7).
      expect(direct.status).toBe(503);
      expect((await direct.json<{ error: ErrorBody }>()).error.code).toBe("no_healthy_provider");
      expect(direct.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
      const again = `oa-${t}/${await scriptFake("openaiFakeUrl", { headers: { "content-type": "application/json" }, chunks: [body] })}`;
      const yaml = chainYaml([again, `ok-${t}/embed@${t}`], `providers:\n${hostileProviders(t)}`).replace("chain:", "same_vector_space: true\n    chain:");
      const fallback = await postWith({ ALIASES_YAML: yaml }, "/v1/embeddings", { model: "mana/t", input });
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get("x-mana-llm-attempts")).toBe(`${again}=malformed`);
      const vectors = (await fallback.json<{ data: { embedding: number[] }[] }>()).data.map((d) => d.embedding);
      expect(vectors.every((v) => v.length === 4 && v.every(Number.isFinite))).toBe(true);
    });
  }

  it("Ollama vectors of different lengths → malformed", async () => {
    const t = tag();
    const entry = `ol-${t}/${await scriptFake("ollamaFakeUrl", { headers: { "content-type": "application/json" }, chunks: ['{"embeddings":[[1,2],[3]]}'] })}`;
    const res = await postWith(vars(t, [entry]), "/v1/embeddings", { model: "mana/t", input: ["a", "b"] });
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
  });

  it("Gemini vectors of different lengths → malformed", async () => {
    const t = tag();
    const entry = `gm-${t}/${await scriptFake("geminiFakeUrl", { headers: { "content-type": "application/json" }, chunks: ['{"embeddings":[{"values":[1,2]},{"values":[3]}]}'] })}`;
    const res = await postWith(vars(t, [entry]), "/v1/embeddings", { model: "mana/t", input: ["a", "b"] });
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
  });
});

describe("finding 10: only the network is a connect failure", () => {
  it("a reset mid-body is connect (retried once); the breaker hears the upstream's failure", async () => {
    const t = tag();
    const entry = `oa-${t}/${await scriptFake("openaiFakeUrl", { headers: SSE, chunks: [oaChunk({ role: "assistant", content: "Hel" }).slice(0, 40)], end: "destroy" })}`;
    const v = vars(t, [entry]);
    const res = await postWith(v, "/v1/chat/completions", { model: "mana/t", messages: hi });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-mana-llm-attempts")).toMatch(/=(connect|stream-error)$/);
    expect((await breaker(v, `oa-${t}`))?.consecutive_failures).toBeGreaterThan(0);
  });

  it.each([
    ["openaiFakeUrl", "oa", '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,'],
    ["ollamaFakeUrl", "ol", '{"model":"m","embeddings":[[0.1,'],
  ] as const)("a whole body (embeddings, %s) cut mid-way is connect, not our 500; the breaker hears it", async (fake, prefix, partial) => {
    const t = tag();
    const entry = `${prefix}-${t}/${await scriptFake(fake, { headers: { "content-type": "application/json" }, chunks: [partial], end: "destroy" })}`;
    const v = vars(t, [entry]);
    const res = await postWith(v, "/v1/embeddings", { model: "mana/t", input: ["a"] });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=connect`);
    expect((await breaker(v, `${prefix}-${t}`))?.consecutive_failures).toBeGreaterThan(0);
  });

  it("an upstream frame over MAX_FRAME_LENGTH is malformed, not connect", async () => {
    const t = tag();
    const huge = `data: {"x":"${"a".repeat(2 * 1024 * 1024 + 10)}"}\n\n`;
    const entry = `oa-${t}/${await scripted("openai", [huge])}`;
    const v = vars(t, [entry, `ok-${t}/ok@${t}`]);
    const res = await postWith(v, "/v1/chat/completions", { model: "mana/t", messages: hi });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
    expect((await breaker(v, `oa-${t}`))?.last_error).toBe("malformed");
  });
});

describe("finding 1: a deep schema never charges a provider's breaker", () => {
  /** A JSON schema `levels` properties deep (each level is two JSON levels: the schema and its properties map). */
  function schemaOf(levels: number): Record<string, unknown> {
    let s: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < levels; i++) s = { type: "object", properties: { a: s } };
    return s;
  }
  const body = (levels: number, stream: boolean) => ({
    model: "mana/t",
    messages: hi,
    stream,
    response_format: { type: "json_schema", json_schema: { name: "deep", schema: schemaOf(levels) } },
    tools: [{ type: "function", function: { name: "f", parameters: schemaOf(Math.min(levels, 28)) } }],
  });

  it("3,000 levels → 400 naming the parameter, nothing sent upstream, both breakers closed", async () => {
    const t = tag();
    const v = vars(t, [`gm-${t}/ok@${t}`, `oa-${t}/ok@${t}`]);
    const res = await postWith(v, "/v1/chat/completions", body(3_000, false));
    expect(res.status).toBe(400);
    expect((await res.json<{ error: ErrorBody }>()).error.param).toMatch(/^response_format/);
    for (const p of [`gm-${t}`, `oa-${t}`]) expect((await breaker(v, p))?.consecutive_failures ?? 0, p).toBe(0);
  });

  it("just under the request bound (29 schema levels) → answered by Gemini, both breakers closed", async () => {
    const t = tag();
    const v = vars(t, [`gm-${t}/ok@${t}`, `oa-${t}/ok@${t}`]);
    for (const stream of [false, true]) {
      const res = await postWith(v, "/v1/chat/completions", body(29, stream));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`gm-${t}/ok@${t}`);
      await res.text();
    }
    for (const p of [`gm-${t}`, `oa-${t}`]) expect((await breaker(v, p))?.state, p).toBe("closed");
  });
});

describe("finding 8: a tool call no delta ever named", () => {
  it("non-streamed: refused as malformed, the next entry answers (never a nameless tool call in a 200)", async () => {
    const t = tag();
    const chunks = [oaChunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { arguments: "{}" } }] }), oaChunk({}, "tool_calls"), "data: [DONE]\n\n"];
    const entry = `oa-${t}/${await scripted("openai", chunks)}`;
    const res = await postWith(vars(t, [entry, `ok-${t}/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: hi });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${entry}=malformed`);
    expect((await res.json<{ choices: { message: { tool_calls?: unknown } }[] }>()).choices[0]!.message.tool_calls).toBeUndefined();
  });

  it("streamed: past the commit point the stream ends in an error event, never [DONE] after a nameless call; the breaker is charged", async () => {
    const t = tag();
    const call = (args: string, first = false) => ({ index: 0, ...(first ? { id: "call_1", type: "function" } : {}), function: { arguments: args } });
    const chunks = [oaChunk({ role: "assistant", tool_calls: [call("{", true)] }), oaChunk({ tool_calls: [call("}")] }), oaChunk({}, "tool_calls"), "data: [DONE]\n\n"];
    const entry = `oa-${t}/${await scripted("openai", chunks)}`;
    const v = vars(t, [entry, `ok-${t}/ok@${t}`]);
    const res = await postWith(v, "/v1/chat/completions", { model: "mana/t", messages: hi, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(entry);
    const events = await sseEvents(res);
    expect(events).not.toContain("[DONE]");
    const last = JSON.parse(events.at(-1)!) as { error: ErrorBody };
    expect(last.error).toMatchObject({ code: "upstream_stream_error", type: "upstream_error" });
    expect(last.error.message).toContain("a tool call without a function name");
    expect((await breaker(v, `oa-${t}`))?.consecutive_failures).toBe(1);
    // The Responses stream shares the committed stream: it ends in response.failed, not response.completed.
    const responses = await sseEvents(await postWith(v, "/v1/responses", { model: "mana/t", input: "hi", stream: true }));
    expect(JSON.parse(responses.at(-1)!)).toMatchObject({ type: "response.failed", response: { status: "failed" } });
  });

  it("streamed: a call named in a later delta is a call, and the stream ends with [DONE]", async () => {
    const t = tag();
    const chunks = [
      oaChunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { arguments: "" } }] }),
      oaChunk({ tool_calls: [{ index: 0, function: { name: "get_weather", arguments: "{}" } }] }),
      oaChunk({}, "tool_calls"),
      "data: [DONE]\n\n",
    ];
    const entry = `oa-${t}/${await scripted("openai", chunks)}`;
    const res = await postWith(vars(t, [entry, `ok-${t}/ok@${t}`]), "/v1/chat/completions", { model: "mana/t", messages: hi, stream: true });
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.some((e) => e.includes('"name":"get_weather"'))).toBe(true);
  });
});
