/**
 * Mid-stream resume (DESIGN.md § Mid-stream resume): an alias with `resume: true` finishes a
 * committed stream that was cut, stalled or failed, on a later entry declared able to continue
 * a prefill — chat and Responses streams alike — through the Worker, against the loopback fakes. The prompt `words:<n>` makes every
 * fake plan the same answer "w1 w2 … w<n>", so one model can finish what another began.
 */
import { describe, expect, inject, it, vi } from "vitest";
import { callWith, fakeLog, postWith, sseEvents, tag } from "../helpers/http";
import { captureLogs } from "../helpers/logs";
import { parseExposition, sampleValue } from "../helpers/prometheus";
import { outputText, terminal, wireEvents } from "../helpers/responses-wire";

const WORDS = 60;
const planned = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "w1" : ` w${i + 1}`));

/**
 * Bindings: alias `mana/t` over `chain`, and this test's own providers on the OpenAI-compatible
 * fake — `plain-<t>` not declared prefill-capable, `cont-<t>` and `more-<t>` declared capable.
 */
function vars(t: string, chain: string[], resume = true): Record<string, string> {
  const base = inject("openaiFakeUrl");
  const yaml = [
    "aliases:",
    "  mana/t:",
    "    description: resume test",
    `    chain: [${chain.map((e) => JSON.stringify(e)).join(", ")}]`,
    `    resume: ${resume}`,
    "default: mana/t",
    "providers:",
    `  first-${t}: {kind: openai, base_url: "${base}/groq/v1", api_key_env: GROQ_API_KEY}`,
    `  plain-${t}: {kind: openai, base_url: "${base}/openrouter/v1", api_key_env: OPENROUTER_API_KEY}`,
    `  cont-${t}: {kind: openai, base_url: "${base}/together/v1", api_key_env: TOGETHER_API_KEY, prefill: true}`,
    `  more-${t}: {kind: openai, base_url: "${base}/openai/v1", api_key_env: OPENAI_API_KEY, prefill: true}`,
  ];
  return { ALIASES_YAML: `${yaml.join("\n")}\n` };
}

const chat = (words = WORDS, extra: Record<string, unknown> = {}) => ({
  model: "mana/t",
  messages: [{ role: "user", content: `words:${words}` }],
  stream: true,
  stream_options: { include_usage: true },
  ...extra,
});

interface Chunk {
  id: string;
  model: string;
  choices: Array<{ delta: { role?: string; content?: string | null; tool_calls?: unknown[] }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** The stream as the client saw it: chunks, the content deltas in order, the end. */
async function read(res: Response) {
  const events = await sseEvents(res);
  const done = events.at(-1) === "[DONE]";
  const parsed = events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e) as Chunk & { error?: { message: string; code: string } });
  const errors = parsed.filter((e) => e.error).map((e) => e.error!);
  const chunks = parsed.filter((e) => !e.error);
  const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content).filter((d): d is string => typeof d === "string" && d.length > 0));
  const textFrom = (model: string) =>
    chunks
      .filter((c) => c.model === model)
      .flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ""))
      .join("");
  return { done, chunks, deltas, errors, textFrom };
}

/** The messages the fake received in the first request whose model contains `model`. */
async function received(model: string): Promise<Array<{ role: string; content: unknown }> | undefined> {
  const [entry] = await fakeLog("openaiFakeUrl", model);
  return (entry?.body as { messages?: Array<{ role: string; content: unknown }> } | undefined)?.messages;
}

describe("mid-stream resume on an alias with resume: true", () => {
  for (const [fault, sent] of [
    ["cut:40", 40],
    ["stall:20", 20],
    ["stream-error:30", 30],
  ] as const) {
    it(`finishes a stream that failed with ${fault} on a prefill-capable fallback: the whole answer, token by token, once, with usage and [DONE]`, async () => {
      const t = tag();
      const primary = `first-${t}/${fault}@${t}`;
      const fallback = `cont-${t}/ok@${t}`;
      const res = await postWith(vars(t, [primary, fallback]), "/v1/chat/completions", chat());
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(primary);
      const seen = await read(res);

      expect(seen.errors).toEqual([]);
      expect(seen.done).toBe(true);
      expect(seen.deltas).toEqual(planned(WORDS));
      // One role chunk, at the start; the continuation keeps the stream's id and names its finisher.
      expect(seen.chunks.filter((c) => c.choices.some((ch) => ch.delta.role !== undefined))).toHaveLength(1);
      expect(new Set(seen.chunks.map((c) => c.id)).size).toBe(1);
      expect(seen.chunks.at(-1)!.model).toBe(fallback);
      expect(seen.chunks.filter((c) => c.choices.some((ch) => ch.finish_reason === "stop"))).toHaveLength(1);
      // The primary reported no usage before it failed: the sum is the continuation's (the prefill billed as prompt).
      expect(seen.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 11 + sent, completion_tokens: WORDS - sent, total_tokens: 11 + WORDS });

      // The continuation request ends with exactly what the client already had from the primary.
      const before = seen.textFrom(primary);
      expect(before).toBe(planned(sent).join(""));
      const messages = await received(`ok@${t}`);
      expect(messages).toEqual([
        { role: "user", content: `words:${WORDS}` },
        { role: "assistant", content: before },
      ]);
    });
  }

  it("counts the failure for the primary's breaker and records the resume in the metrics", async () => {
    const t = tag();
    const primary = `first-${t}/cut:10@${t}`;
    const fallback = `cont-${t}/ok@${t}`;
    const bindings = vars(t, [primary, fallback]);
    let seen: Awaited<ReturnType<typeof read>> | undefined;
    const logs = await captureLogs(async () => {
      seen = await read(await postWith(bindings, "/v1/chat/completions", chat(20)));
    });
    expect(seen!.deltas).toEqual(planned(20));
    expect(logs.filter((l) => l.event === "stream.resumed")).toEqual([expect.objectContaining({ from: primary, to: fallback, prefill_chars: planned(10).join("").length })]);
    await vi.waitFor(async () => {
      const health = (await (await callWith(bindings, "/v1/health")).json()) as { providers: Record<string, { consecutive_failures: number; last_error: string }> };
      expect(health.providers[`first-${t}`]).toMatchObject({ consecutive_failures: 1 });
    });
    await vi.waitFor(async () => {
      const exp = parseExposition(await (await callWith({}, "/metrics")).text());
      expect(sampleValue(exp, "mana_llm_fallback_total", { from_model: primary, to_model: fallback, reason: "resume" })).toBe(1);
      expect(sampleValue(exp, "mana_llm_llm_errors_total", { provider: `first-${t}`, error_type: "stream-error" })).toBe(1);
    });
  });

  it("skips what the walk skips — an entry not declared prefill-capable is never sent a prefill — and continues on the next capable one", async () => {
    const t = tag();
    const primary = `first-${t}/cut:25@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `plain-${t}/ok@${t}`, `more-${t}/ok@${t}`]), "/v1/chat/completions", chat()));
    expect(seen.errors).toEqual([]);
    expect(seen.deltas).toEqual(planned(WORDS));
    expect(seen.chunks.at(-1)!.model).toBe(`more-${t}/ok@${t}`);
    // plain-<t> is served under /openrouter, more-<t> under /openai.
    expect((await fakeLog("openaiFakeUrl", `ok@${t}`)).map((e) => e.provider)).toEqual(["openai"]);
    expect((await received(`ok@${t}`))?.at(-1)).toEqual({ role: "assistant", content: planned(25).join("") });
  });

  it("continues on the built-in Ollama, prefill-capable by default", async () => {
    const t = tag();
    const seen = await read(await postWith(vars(t, [`first-${t}/cut:15@${t}`, `ollama/qwen2.5:7b@${t}`]), "/v1/chat/completions", chat(30)));
    expect(seen.errors).toEqual([]);
    expect(seen.done).toBe(true);
    expect(seen.deltas).toEqual(planned(30));
    const [call] = await fakeLog("ollamaFakeUrl", `qwen2.5:7b@${t}`);
    expect((call?.body as { messages?: unknown[] } | undefined)?.messages?.at(-1)).toEqual({ role: "assistant", content: planned(15).join("") });
  });

  it("ends with the original error when no later entry can continue a prefill, sending none", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `plain-${t}/ok@${t}`]), "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(40));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.code).toBe("upstream_stream_error");
    expect(seen.errors[0]!.message).toContain(primary);
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });

  it("ends with the original error, never the rejection, when the fallback rejects the prefill", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `cont-${t}/no-prefill@${t}`]), "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(40));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    expect(seen.errors[0]!.message).not.toContain("prefill");
    // It was asked, and said no.
    expect((await received(`no-prefill@${t}`))?.at(-1)).toEqual({ role: "assistant", content: planned(40).join("") });
  });

  it("ends with the original error when the continuation itself fails, after the text it did send", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `cont-${t}/cut:5@${t}`, `more-${t}/ok@${t}`]), "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(45));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    expect(seen.errors[0]!.message).not.toContain(`cut:5@${t}`);
    // One resume only: the last entry was never asked.
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });

  it("never resumes a tool-call stream", async () => {
    const t = tag();
    const primary = `first-${t}/tools:cut@${t}`;
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];
    const seen = await read(await postWith(vars(t, [primary, `cont-${t}/ok@${t}`]), "/v1/chat/completions", chat(WORDS, { tools })));
    expect(seen.done).toBe(false);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });
});

describe("a continuation that is not plain text", () => {
  it("fails the resume when the continuation turns into a tool call: the original error, no tool call after the text", async () => {
    const t = tag();
    const primary = `first-${t}/cut:10@${t}`;
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];
    // The fake Ollama answers a conversation offering tools with a call, prefill or not.
    const seen = await read(await postWith(vars(t, [primary, `ollama/qwen2.5:7b@${t}`]), "/v1/chat/completions", chat(WORDS, { tools })));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(10));
    expect(seen.chunks.some((c) => c.choices.some((ch) => ch.delta.tool_calls !== undefined))).toBe(false);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    // It was asked: the resume was tried and refused by the router, not skipped.
    expect(await fakeLog("ollamaFakeUrl", `qwen2.5:7b@${t}`)).toHaveLength(1);
  });
});

describe("a continuation that is not plain text, later on", () => {
  it("ends with the original error when the continuation sends text, then a tool call — and the refusal is not the provider's failure", async () => {
    const t = tag();
    const primary = `first-${t}/cut:10@${t}`;
    const bindings = vars(t, [primary, `cont-${t}/tools:after:3@${t}`]);
    const seen = await read(await postWith(bindings, "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(13));
    expect(seen.chunks.some((c) => c.choices.some((ch) => ch.delta.tool_calls !== undefined))).toBe(false);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    await vi.waitFor(async () => {
      const health = (await (await callWith(bindings, "/v1/health")).json()) as { providers: Record<string, { status: string; consecutive_failures?: number }> };
      expect(health.providers[`first-${t}`]).toMatchObject({ consecutive_failures: 1 });
      expect(health.providers[`cont-${t}`]).toMatchObject({ consecutive_failures: 0 });
    });
  });
});

describe("a continuation whose text and tool call arrive in one read", () => {
  // The router reads a batch of chunks per upstream read: the text before the call is still the client's.
  it.each([
    ["in the continuation's first read", "burst"],
    ["in a later read", "burst:50"],
  ])("delivers the text before the call, then the original error (%s)", async (_, burst) => {
    const t = tag();
    const primary = `first-${t}/cut:10@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `cont-${t}/tools:after:3:${burst}@${t}`]), "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(13));
    expect(seen.chunks.some((c) => c.choices.some((ch) => ch.delta.tool_calls !== undefined))).toBe(false);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
  });
});

describe("the Responses stream resumes the same way", () => {
  const respond = (t: string, chain: string[]) => postWith(vars(t, chain), "/v1/responses", { model: "mana/t", input: `words:${WORDS}`, stream: true });
  const deltas = (events: Awaited<ReturnType<typeof wireEvents>>) => events.flatMap((e) => (e.data.type === "response.output_text.delta" ? [e.data.delta] : []));

  it("finishes a cut stream on a prefill-capable fallback: one message, every token once, response.completed naming the finisher, summed usage", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const fallback = `cont-${t}/ok@${t}`;
    const events = await wireEvents(await respond(t, [primary, fallback]));
    expect(deltas(events)).toEqual(planned(WORDS));
    const { type, response } = terminal(events);
    expect(type).toBe("response.completed");
    expect(response.model).toBe(fallback);
    expect(response.output).toHaveLength(1);
    expect(outputText(response)).toBe(planned(WORDS).join(""));
    expect(response.usage).toMatchObject({ input_tokens: 51, output_tokens: 20, total_tokens: 71 });
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.data.type === "response.created")).toHaveLength(1);
    expect((await received(`ok@${t}`))?.at(-1)).toEqual({ role: "assistant", content: planned(40).join("") });
  });

  it("ends with response.failed carrying the original error when the fallback rejects the prefill", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const events = await wireEvents(await respond(t, [primary, `cont-${t}/no-prefill@${t}`]));
    expect(deltas(events)).toEqual(planned(40));
    const { type, response } = terminal(events);
    expect(type).toBe("response.failed");
    expect(response.error?.message).toContain(primary);
    expect(response.error?.message).not.toContain("prefill");
    expect(events.filter((e) => e.data.type === "response.completed")).toEqual([]);
  });
});

describe("without resume", () => {
  it("ends a cut stream with the error event as before, and asks no one to continue it", async () => {
    const t = tag();
    const primary = `first-${t}/cut:40@${t}`;
    const seen = await read(await postWith(vars(t, [primary, `cont-${t}/ok@${t}`], false), "/v1/chat/completions", chat()));
    expect(seen.done).toBe(false);
    expect(seen.deltas).toEqual(planned(40));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(primary);
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });
});
