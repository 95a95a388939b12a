/**
 * Errors clients act on (DESIGN.md § Errors clients act on): the status and headers the
 * openai SDK reads to decide whether to retry, through the Worker against the fakes. The
 * SDK here keeps its default retries, and the fake's log counts what reached the upstream.
 */
import { env } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, inject, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { callWith, chainYaml, fakeLog, KEY, ownProviders, postWith, tag } from "../helpers/http";

const chat = (model: string) => ({ model, messages: [{ role: "user" as const, content: "hi" }] });
const errorOf = async (res: Response) => ((await res.json()) as { error: ErrorBody }).error;

/** The openai SDK with its default two retries; `calls` counts every request it sent. */
function retryingSdk(overrides: Record<string, string>) {
  const calls: string[] = [];
  const client = new OpenAI({
    apiKey: KEY,
    baseURL: "http://router.test/v1",
    fetch: (url: RequestInfo | URL, init?: RequestInit) => {
      const u = new URL(String(url));
      calls.push(u.pathname);
      return callWith(overrides, u.pathname + u.search, { ...init, key: null });
    },
  });
  return { client, calls };
}

describe("an unknown model is a 404 the SDK does not retry", () => {
  const cases = [
    { what: "a direct provider/model the provider lacks", model: (t: string) => `groq-${t}/unknown-model@${t}`, unknown: (t: string) => [`unknown-model@${t}`] },
    { what: "an alias whose every entry is unknown", model: () => "mana/t", unknown: (t: string) => [`unknown-model:a@${t}`, `unknown-model:b@${t}`] },
  ];

  for (const c of cases) {
    it(c.what, async () => {
      const t = tag();
      const [first, second] = c.unknown(t);
      const chain = second ? [`groq-${t}/${first}`, `together-${t}/${second}`] : [`openrouter-${t}/ok@${t}`];
      const { client, calls } = retryingSdk({ ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}`) });
      const err = await client.chat.completions.create(chat(c.model(t))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
      expect(calls).toHaveLength(1);
      // Each unknown entry was asked exactly once: no same-entry retry, no SDK retry.
      for (const m of c.unknown(t)) expect(await fakeLog("openaiFakeUrl", m)).toHaveLength(1);
    });
  }

  it("a bare unknown name (sent to the default provider)", async () => {
    const t = tag();
    const { client, calls } = retryingSdk({});
    const err = await client.chat.completions.create(chat(`unknown-model@${t}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(calls).toHaveLength(1);
    expect(await fakeLog("ollamaFakeUrl", `unknown-model@${t}`)).toHaveLength(1);
  });

  it("embeddings: an unknown model is the same 404", async () => {
    const t = tag();
    const { client, calls } = retryingSdk({ ALIASES_YAML: chainYaml([`openrouter-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) });
    const err = await client.embeddings.create({ model: `groq-${t}/unknown-model@${t}`, input: "hi" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(calls).toHaveLength(1);
    expect(await fakeLog("openaiFakeUrl", `unknown-model@${t}`)).toHaveLength(1);
  });

  it("the JSON answer: 404 model_not_found, param model, the attempts, x-should-retry: false", async () => {
    const t = tag();
    const res = await postWith({ ALIASES_YAML: chainYaml([`openrouter-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) }, "/v1/chat/completions", chat(`groq-${t}/unknown-model@${t}`));
    expect(res.status).toBe(404);
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(res.headers.get("retry-after")).toBeNull();
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model", attempts: [{ model: `groq-${t}/unknown-model@${t}`, reason: "model-not-found" }] });
  });

  it("an alias where one entry is unknown and another is down stays a 503", async () => {
    const t = tag();
    const vars = { ALIASES_YAML: chainYaml([`groq-${t}/unknown-model@${t}`, `dead-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) };
    const res = await postWith(vars, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    expect(res.headers.get("x-should-retry")).toBeNull();
    await res.text();
  });
});

describe("headers that tell a client when (not) to retry", () => {
  it("503 from open breakers carries Retry-After: the seconds until the earliest one half-opens", async () => {
    const t = tag();
    const [a, b] = [`brk-a-${t}`, `brk-b-${t}`];
    const fake = `${inject("openaiFakeUrl")}/groq/v1`;
    const providers = `providers:\n  ${a}: {kind: openai, base_url: "${fake}", api_key_env: GROQ_API_KEY}\n  ${b}: {kind: openai, base_url: "${fake}", api_key_env: GROQ_API_KEY}\n`;
    const now = Date.now();
    // a opened 50 s ago (half-opens in ≈10 s), b just now (≈60 s): the earliest wins.
    for (const at of [now - 50_000, now - 50_000]) await env.PROVIDER_HEALTH.getByName(a).recordFailure(at, "connect");
    for (const at of [now, now]) await env.PROVIDER_HEALTH.getByName(b).recordFailure(at, "connect");
    const res = await postWith({ ALIASES_YAML: chainYaml([`${b}/ok@${t}`, `${a}/ok@${t}`], providers) }, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("no_healthy_provider");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(8);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(res.headers.get("x-should-retry")).toBeNull();
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toHaveLength(0);
  });

  it("a 503 whose entries all failed live still says Retry-After (at least 1)", async () => {
    const t = tag();
    const res = await postWith({ ALIASES_YAML: chainYaml([`dead-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) }, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await res.text();
  });

  it("a 429 (every provider rate limiting) carries the upstream's Retry-After", async () => {
    const t = tag();
    const res = await postWith({ ALIASES_YAML: chainYaml([`groq-${t}/retry-after:30@${t}`], `providers:\n${ownProviders(t)}`) }, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(res.headers.get("x-should-retry")).toBeNull();
    await res.text();
  });

  it("502 upstream_auth and a 4xx carry x-should-retry: false, and the SDK sends them once", async () => {
    const t = tag();
    const vars = { ALIASES_YAML: chainYaml([`groq-${t}/status:401@${t}`], `providers:\n${ownProviders(t)}`) };
    const auth = await postWith(vars, "/v1/chat/completions", chat("mana/t"));
    expect(auth.status).toBe(502);
    expect((await errorOf(auth)).code).toBe("upstream_auth");
    expect(auth.headers.get("x-should-retry")).toBe("false");

    const { client, calls } = retryingSdk(vars);
    const err = await client.chat.completions.create(chat("mana/t")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(calls).toHaveLength(1);

    const bad = await postWith({ ALIASES_YAML: chainYaml([`groq-${t}/bad-request@${t}`], `providers:\n${ownProviders(t)}`) }, "/v1/chat/completions", chat("mana/t"));
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-should-retry")).toBe("false");
    await bad.text();
    const unauthorized = await callWith({}, "/v1/models", { key: "wrong" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("x-should-retry")).toBe("false");
  });
});

describe("a half-open breaker's trial is one call", () => {
  it("four concurrent requests while the half-open provider still fails reach it exactly once", async () => {
    const t = tag();
    const primary = `half-${t}`;
    const fake = `${inject("openaiFakeUrl")}/groq/v1`;
    const vars = {
      ALIASES_YAML: chainYaml(
        [`${primary}/status:500@${t}`, `openrouter-${t}/ok@${t}`],
        `providers:\n  ${primary}: {kind: openai, base_url: "${fake}", api_key_env: GROQ_API_KEY}\n${ownProviders(t)}`,
      ),
    };
    // Opened 61 s ago: the 60 s window is over, the breaker is half-open.
    const past = Date.now() - 61_000;
    for (let i = 0; i < 2; i++) await env.PROVIDER_HEALTH.getByName(primary).recordFailure(past, "connect");

    const answers = await Promise.all(Array.from({ length: 4 }, () => postWith(vars, "/v1/chat/completions", chat("mana/t"))));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter-${t}/ok@${t}`);
      await res.text();
    }
    const attempts = answers.map((r) => r.headers.get("x-mana-llm-attempts"));
    expect(attempts.filter((a) => a === `${primary}/status:500@${t}=http-5xx`)).toHaveLength(1);
    expect(attempts.filter((a) => a === `${primary}/status:500@${t}=cache-unhealthy`)).toHaveLength(3);
    // The trial failed with a 5xx: no same-entry retry, the breaker re-opened.
    expect(await fakeLog("openaiFakeUrl", `status:500@${t}`)).toHaveLength(1);
    expect(await env.PROVIDER_HEALTH.getByName(primary).snapshot()).toMatchObject({ state: "open" });
  });

  it("a closed breaker still gets its one same-entry retry after a transient 5xx", async () => {
    const t = tag();
    const res = await postWith({ ALIASES_YAML: chainYaml([`groq-${t}/status:503:once@${t}`], `providers:\n${ownProviders(t)}`) }, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/status:503:once@${t}`);
    await res.text();
    expect(await fakeLog("openaiFakeUrl", `status:503:once@${t}`)).toHaveLength(2);
  });
});
