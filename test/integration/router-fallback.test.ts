/**
 * The chain walk through the Worker against the fake OpenAI-compatible upstream over
 * loopback: which entry answers, which are tried, what the caller sees.
 */
import { describe, expect, inject, it } from "vitest";
import { chainYaml, fakeLog, ownProviders, postWith, tag, tagOf } from "../helpers/http";

const chat = (alias: string, extra: Record<string, unknown> = {}) => ({ model: alias, messages: [{ role: "user", content: "hi" }], ...extra });
/** A provider on the fake with a key it rejects (the test's own providers follow). */
const PROVIDERS = `providers:
  badkey: {kind: openai, base_url: "${inject("openaiFakeUrl")}/groq/v1", api_key_env: BADKEY_KEY}
`;

/**
 * These tests are about the walk, not the breaker (breaker-routing.test.ts covers that):
 * every test uses providers of its own (`groq-<tag>` …, see ownProviders) so one test's
 * failures never open a breaker for the next.
 */
function env(chain: string[], more: Record<string, string> = {}, extraProviders = ""): Record<string, string> {
  const t = tagOf(chain);
  return {
    ALIASES_YAML: chainYaml(chain, PROVIDERS + (t ? ownProviders(t) : "") + extraProviders),
    BADKEY_KEY: "sk-wrong-secret-1234567890",
    ...more,
  };
}

/** A provider only this test uses, on the fake's groq endpoint (its log says "groq"). */
const ownProvider = (name: string) => `  ${name}: {kind: openai, base_url: "${inject("openaiFakeUrl")}/groq/v1", api_key_env: GROQ_API_KEY}\n`;

async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

describe("chain walk", () => {
  it("answers from the first entry and names it", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/ok@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBeNull();
    const body = await json(res);
    expect(body.model).toBe(`groq-${t}/ok@${t}`);
    expect(body.choices[0].message.content).toBe(`Hello from groq ok@${t}.`);
    expect(await fakeLog("openaiFakeUrl", t)).toHaveLength(1);
  });

  it("falls back when the primary's port is closed", async () => {
    const t = tag();
    const res = await postWith(env([`dead-${t}/ok@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect`);
  });

  it("does not retry a connection lost before any answer: workerd reports a refused port alike", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/close:once@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/close:once@${t}=connect`);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "openrouter"]);
  });

  it("retries a reset once the answer has begun on the same entry", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/reset:2:once@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/reset:2:once@${t}`);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "groq"]);
  });

  for (const status of [500, 503]) {
    it(`falls back on a persistent ${status} after one same-entry retry`, async () => {
      const t = tag();
      const res = await postWith(env([`groq-${t}/status:${status}@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/status:${status}@${t}=http-5xx`);
      const log = await fakeLog("openaiFakeUrl", t);
      expect(log.map((e) => e.provider)).toEqual(["groq", "groq", "openrouter"]);
    });
  }

  it("retries a single 500 on the same entry and does not fall back", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/status:500:once@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/status:500:once@${t}`);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "groq"]);
  });

  for (const fault of ["context-length", "unknown-model"]) {
    it(`goes to the next entry on ${fault}, trying the primary exactly once`, async () => {
      const t = tag();
      const res = await postWith(env([`groq-${t}/${fault}@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
      const reason = fault === "context-length" ? "context-length" : "model-not-found";
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`groq-${t}/${fault}@${t}=${reason}`);
      expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "openrouter"]);
    });
  }

  it("propagates a 400 at once, naming the parameter, without calling the fallback", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/bad-request@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.param).toBe("temperature");
    expect(body.error.message).toContain("temperature");
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
  });

  it("propagates a content-policy rejection as 422 without calling the fallback", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/content-policy@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(422);
    expect((await json(res)).error.code).toBe("content_blocked");
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
  });

  it("turns an upstream 401 into 502 upstream_auth in our own words, never echoing the key", async () => {
    const t = tag();
    const res = await postWith(env([`badkey/ok@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain("sk-wrong-secret");
    expect(JSON.parse(text).error.code).toBe("upstream_auth");
    // The fake did quote the key it got: the router must have dropped that text.
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
  });

  it("answers 503 listing every attempt when the whole chain fails", async () => {
    const t = tag();
    const res = await postWith(env([`dead-${t}/ok@${t}`, `groq-${t}/status:503@${t}`, `together-${t}/unknown-model@${t}`]), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.type).toBe("no_healthy_provider");
    expect(body.error.attempts).toEqual([
      { model: `dead-${t}/ok@${t}`, reason: "connect" },
      { model: `groq-${t}/status:503@${t}`, reason: "http-5xx" },
      { model: `together-${t}/unknown-model@${t}`, reason: "model-not-found" },
    ]);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect, groq-${t}/status:503@${t}=http-5xx, together-${t}/unknown-model@${t}=model-not-found`);
  });

  it("skips an entry whose provider has no key here as unconfigured", async () => {
    const t = tag();
    const res = await postWith(env([`together-${t}/ok@${t}`, `groq-${t}/ok@${t}`], { TOGETHER_API_KEY: "" }), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`together-${t}/ok@${t}=unconfigured`);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq"]);
  });

  it("never falls back from a direct provider/model call", async () => {
    const t = tag();
    const res = await postWith(env([`openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat(`groq-${t}/status:503@${t}`));
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.attempts).toEqual([{ model: `groq-${t}/status:503@${t}`, reason: "http-5xx" }]);
    expect((await fakeLog("openaiFakeUrl", t)).every((e) => e.provider === "groq")).toBe(true);
  });

  it("answers 404 naming the known aliases for an unknown alias", async () => {
    const res = await postWith(env(["groq/ok"]), "/v1/chat/completions", chat("mana/nope"));
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.error.message).toContain("mana/t");
    expect(body.error.param).toBe("model");
  });

  it("uses the default alias when the model is missing", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/ok@${t}`]), "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
  });

  it("retries a 429 with Retry-After: 1 once on the same entry", async () => {
    const t = tag();
    const started = Date.now();
    const res = await postWith(env([`rl${t}/retry-after:1:once@${t}`, `openrouter-${t}/ok@${t}`], {}, ownProvider(`rl${t}`)), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`rl${t}/retry-after:1:once@${t}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "groq"]);
  });

  it("falls back at once on a 429 with Retry-After: 30", async () => {
    const t = tag();
    const res = await postWith(env([`rl${t}/retry-after:30@${t}`, `openrouter-${t}/ok@${t}`], {}, ownProvider(`rl${t}`)), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`rl${t}/retry-after:30@${t}=rate-limited`);
    // "At once": no same-entry retry (the walk's only wait), straight on to the next entry.
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => [e.provider, e.model])).toEqual([
      ["groq", `retry-after:30@${t}`],
      ["openrouter", `ok@${t}`],
    ]);
  });

  it("falls back at once on a 429 without Retry-After", async () => {
    const t = tag();
    const res = await postWith(env([`rl${t}/retry-after:none@${t}`, `openrouter-${t}/ok@${t}`], {}, ownProvider(`rl${t}`)), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.provider)).toEqual(["groq", "openrouter"]);
  });

  it("answers 429 when every provider that was called is rate limiting", async () => {
    const t = tag();
    const res = await postWith(env([`rl${t}/retry-after:30@${t}`, `rm${t}/retry-after:none@${t}`], {}, ownProvider(`rl${t}`) + ownProvider(`rm${t}`)), "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(429);
    expect((await json(res)).error.attempts).toHaveLength(2);
  });
});
