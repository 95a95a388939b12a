/**
 * Timeouts, the streaming commit point, and stream completeness — through the Worker,
 * against the fake upstream over loopback. The test config sets FIRST_BYTE_TIMEOUT_MS and
 * STREAM_IDLE_TIMEOUT_MS to 1000 ms.
 */
import { env as env_, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { chainYaml, fakeLog, KEY, ownProviders, postWith, sdkClient, sseEvents, tag, tagOf } from "../helpers/http";

const FIRST_BYTE_MS = 1000;
const IDLE_MS = 1000;
// About the walk's clocks, not the breaker: each test uses providers of its own so one
// test's failures never open a breaker for the next (breaker-routing.test.ts covers that).
const env = (chain: string[], more: Record<string, string> = {}) => {
  const t = tagOf(chain);
  return { ALIASES_YAML: chainYaml(chain, t ? `providers:\n${ownProviders(t)}` : ""), ...more };
};
const chat = (extra: Record<string, unknown> = {}) => ({ model: "mana/t", messages: [{ role: "user", content: "hi" }], ...extra });

/** Reads an SSE response event by event, noting when each arrived. */
async function timedEvents(res: Response): Promise<Array<{ data: string; at: number }>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const out: Array<{ data: string; at: number }> = [];
  let buffer = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith("data: ")) out.push({ data: block.slice(6), at: Date.now() });
    }
  }
  return out;
}

// The first request in a file pays for module loading; time only warm requests.
beforeAll(async () => {
  await (await postWith(env(["groq/ok@warmup"]), "/v1/chat/completions", chat())).text();
});

describe("timeouts before the first token", () => {
  for (const fault of ["silent", "headers-silent", "slow-first:3000"]) {
    it(`falls back from a ${fault} primary once FIRST_BYTE_TIMEOUT_MS has passed, hanging up on it`, async () => {
      const t = tag();
      const started = Date.now();
      const res = await postWith(env([`groq-${t}/${fault}@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat());
      const body = await res.json<{ choices: Array<{ message: { content: string } }> }>();
      const elapsed = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/${fault}@${t}=timeout`);
      expect(body.choices[0]!.message.content).toBe(`Hello from openrouter ok@${t}.`);
      expect(elapsed).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 5);
      // Never a same-entry retry after a timeout. (When the fakes log a request depends on how busy the
      // machine is, so the timeout itself is shown by the client-side lower bound above, not by their gap.)
      const [primary, fallback] = await fakeLog("openaiFakeUrl", t);
      expect([primary?.provider, fallback?.provider]).toEqual(["groq", "openrouter"]);
      await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", `${fault}@${t}`))[0]?.aborted).toBe(true));
    });
  }

  it("waits for a first token that comes in time", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/slow-first:150@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/slow-first:150@${t}`);
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("falls back from a silent primary on a streaming request before sending anything", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/silent@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    const events = await sseEvents(res);
    expect(events.filter((e) => e !== "[DONE]").every((e) => JSON.parse(e).model === `openrouter-${t}/ok@${t}`)).toBe(true);
    expect(events.at(-1)).toBe("[DONE]");
  });
});

describe("the whole-request budget", () => {
  it("answers 504 listing the attempts when REQUEST_TIMEOUT_MS runs out during the fallbacks", async () => {
    const t = tag();
    const started = Date.now();
    const res = await postWith(env([`groq-${t}/silent@${t}`, `openrouter-${t}/silent@${t}`, `together-${t}/ok@${t}`], { REQUEST_TIMEOUT_MS: "1500" }), "/v1/chat/completions", chat());
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    const body = await res.json<{ error: { code: string; attempts: Array<{ model: string; reason: string }> } }>();
    expect(body.error.code).toBe("upstream_timeout");
    expect(body.error.attempts).toEqual([
      { model: `groq-${t}/silent@${t}`, reason: "timeout" },
      { model: `openrouter-${t}/silent@${t}`, reason: "timeout" },
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(1495);
    // The third entry was never called: the budget was spent. The second was cut by the budget, not its own clock.
    // On a busy machine the budget can run out while the second call is still connecting, before
    // the fake logs it; the attempts above show it was made. What the fakes must never see is the third.
    const log = await fakeLog("openaiFakeUrl", t);
    expect(log[0]?.provider).toBe("groq");
    expect(log.map((e) => e.provider)).not.toContain("together");
    if (log[1]) expect(log[1].provider).toBe("openrouter");
    await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", t)).every((e) => e.aborted)).toBe(true));
  });
});

describe("after the first token", () => {
  it("ends a stalled stream with an error event after STREAM_IDLE_TIMEOUT_MS, without [DONE], hanging up on the upstream", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/stall:2@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/stall:2@${t}`);
    const events = await timedEvents(res);
    const last = events.at(-1)!;
    const lastContent = events.at(-2)!;
    expect(events.some((e) => e.data === "[DONE]")).toBe(false);
    expect(JSON.parse(last.data).error.code).toBe("upstream_timeout");
    expect(last.at - lastContent.at).toBeGreaterThanOrEqual(IDLE_MS - 5);
    // Committed: the fallback is never called once content went out; the stalled upstream is closed.
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
    await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", t))[0]?.aborted).toBe(true));
  });

  it("never ends a cut stream with [DONE]", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/cut:2@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    const events = await sseEvents(res);
    expect(events).not.toContain("[DONE]");
    const content = events
      .slice(0, -1)
      .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "")
      .join("");
    expect(content).toBe("Hello from");
    expect(JSON.parse(events.at(-1)!).error.code).toBe("upstream_stream_error");
  });

  it("ends with an error event when the upstream reports an error mid-stream", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/stream-error:2@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    const events = await sseEvents(res);
    expect(events).not.toContain("[DONE]");
    expect(JSON.parse(events.at(-1)!).error).toBeDefined();
  });

  it("falls back on a cut stream when the client did not ask to stream", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/cut:2@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/cut:2@${t}=stream-error`);
    expect((await res.json<{ choices: Array<{ message: { content: string } }> }>()).choices[0]!.message.content).toBe(`Hello from openrouter ok@${t}.`);
  });

  it("falls back on a stall and on an in-stream error when the client did not ask to stream", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/stall:1@${t}`, `together-${t}/stream-error:1@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/stall:1@${t}=timeout, together-${t}/stream-error:1@${t}=stream-error`);
  });

  it("skips a malformed event and completes the answer", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/malformed@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/malformed@${t}`);
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    const content = events
      .slice(0, -1)
      .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "")
      .join("");
    expect(content).toBe(`Hello from groq malformed@${t}.`);
  });

  // That it does not wait for the finish grace or the idle clock is pinned on a fake clock (guard-stream.test.ts).
  it("completes a stream with a finish reason but no [DONE], keeping its usage, and closes an upstream left open", async () => {
    for (const fault of ["no-done", "no-done-open"]) {
      const t = tag();
      const res = await postWith(env([`groq-${t}/${fault}@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true, stream_options: { include_usage: true } }));
      const events = await sseEvents(res);
      expect(events.at(-1)).toBe("[DONE]");
      expect(JSON.parse(events.at(-2)!).usage).toEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/${fault}@${t}`);
      // The one that held its connection open was hung up on, not waited out; nobody fell back.
      await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", t)).map((e) => [e.provider, e.aborted])).toEqual([["groq", fault === "no-done-open"]]));
    }
  });

  it("answers an empty but finished upstream answer as a valid empty answer", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/empty@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat());
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/empty@${t}`);
    const body = await res.json<{ choices: Array<{ message: { content: string }; finish_reason: string }> }>();
    expect(body.choices[0]!.message.content).toBe("");
    expect(body.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("aggregation", () => {
  it("gives a non-streaming caller exactly the upstream stream's content, tool calls and usage", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/tools@${t}`]), "/v1/chat/completions", chat({ tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] }));
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, any>>();
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe(`groq-${t}/tools@${t}`);
    expect(body.choices[0].message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: "call_fake_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris", "unit": "c"}' } }],
    });
    expect(body.choices[0].finish_reason).toBe("tool_calls");
    expect(body.usage).toEqual({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
    // Tools were passed through to the upstream, which was asked to stream with usage.
    const [sent] = await fakeLog("openaiFakeUrl", t);
    expect((sent!.body as Record<string, any>).tools[0].function.name).toBe("get_weather");
    expect((sent!.body as Record<string, any>).stream).toBe(true);
    expect((sent!.body as Record<string, any>).stream_options).toEqual({ include_usage: true });
  });
});

describe("OpenAI SDK as the client", () => {
  const sdk = sdkClient;

  it("reads a normal stream to the end and sees the resolved header", async () => {
    const t = tag();
    const client = sdk(env([`groq-${t}/ok@${t}`]));
    const { data: stream, response } = await client.chat.completions.create({ model: "mana/t", messages: [{ role: "user", content: "hi" }], stream: true }).withResponse();
    expect(response.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(`Hello from groq ok@${t}.`);
  });

  it("throws on a cut stream instead of returning a truncated answer", async () => {
    const t = tag();
    const client = sdk(env([`groq-${t}/cut:3@${t}`]));
    const stream = await client.chat.completions.create({ model: "mana/t", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })(),
    ).rejects.toThrow(/interrupted/);
    expect(text).toBe("Hello from groq");
  });
});

describe("client disconnect", () => {
  it("a client gone mid-stream is not counted against the provider", async () => {
    const t = tag();
    const ac = new AbortController();
    const res = await postWith(env([`groq-${t}/pace:100@${t}`]), "/v1/chat/completions", chat({ stream: true }), { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    // Drive the stream to its end: it must end quietly, with no error event for nobody.
    let tail = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) tail += new TextDecoder().decode(r.value);
    expect(tail).not.toContain('"error"');
    expect(tail).not.toContain("[DONE]");
    await new Promise((r) => setTimeout(r, 150));
    const snapshot = await env_.PROVIDER_HEALTH.getByName(`groq-${t}`).snapshot();
    expect(snapshot.consecutiveFailures).toBe(0);
    expect((await fakeLog("openaiFakeUrl", t))[0]?.aborted).toBe(true);
  });

  it("aborts the upstream call when the client goes away before the first token", async () => {
    const t = tag();
    const ac = new AbortController();
    const pending = postWith(env([`groq-${t}/silent@${t}`, `openrouter-${t}/ok@${t}`], { FIRST_BYTE_TIMEOUT_MS: "5000" }), "/v1/chat/completions", chat(), {
      signal: ac.signal,
    }).catch((err: unknown) => err);
    // Abort once the primary holds the request, not after a guessed pause.
    await vi.waitFor(async () => expect(await fakeLog("openaiFakeUrl", t)).toHaveLength(1));
    ac.abort();
    await pending;
    await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", t))[0]?.aborted).toBe(true));
    // The walk stopped: the fallback was never called for a client that is gone.
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
  });

  it("closes the upstream connection when the client goes away", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/pace:100@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await vi.waitFor(async () => {
      const [entry] = await fakeLog("openaiFakeUrl", t);
      expect(entry?.aborted).toBe(true);
      expect(entry?.closedAt).toBeDefined();
    });
  });
});

describe("secrets", () => {
  let spies: MockInstance[] = [];
  const lines: string[] = [];
  beforeAll(() => {
    spies = (["log", "warn", "error", "info", "debug"] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))));
  });
  afterAll(() => {
    for (const s of spies) s.mockRestore();
  });

  it("never shows an upstream key in a response or a log line", async () => {
    const t = tag();
    const fakeKeys = ["groq", "openrouter", "together", "openai"].map((p) => `sk-${p}-fake-secret`);
    const wrongKey = "sk-wrong-secret-1234567890";
    const providers = `providers:\n  badkey: {kind: openai, base_url: "${(await import("vitest")).inject("openaiFakeUrl")}/groq/v1", api_key_env: BADKEY_KEY}\n`;
    const bodies: string[] = [];
    for (const chain of [[`badkey/ok@${t}`], [`groq-${t}/stream-error:1@${t}`], [`groq-${t}/status:500@${t}`, `openrouter-${t}/ok@${t}`], [`groq-${t}/cut:1@${t}`]]) {
      for (const stream of [false, true]) {
        const res = await postWith({ ALIASES_YAML: chainYaml(chain, providers + ownProviders(t)), BADKEY_KEY: wrongKey }, "/v1/chat/completions", chat({ stream }));
        bodies.push(JSON.stringify([...res.headers]), await res.text());
      }
    }
    const models = await exports.default.fetch(new Request("http://router.test/v1/models", { headers: { authorization: `Bearer ${KEY}` } }));
    bodies.push(await models.text());
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [...fakeKeys, wrongKey]) {
      for (const text of [...bodies, ...lines]) expect(text).not.toContain(secret);
    }
  });
});
