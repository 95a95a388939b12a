/**
 * GET /metrics through the Worker: requests against the loopback fakes, then a scrape.
 * Counters live in the store for the whole file, so every test uses its own providers and
 * models (tag) and, for shared series, compares a scrape before with one after.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { EXPOSITION_CONTENT_TYPE } from "../../src/observability/exposition";
import { emptyData, seriesKey, type MetricsData } from "../../src/observability/metric-data";
import { METRICS } from "../../src/observability/metric-defs";
import { METRICS_SHARDS, shardName } from "../../src/observability/recorder";
import { readShards } from "../../src/observability/scrape";
import { ApiError } from "../../src/openai/errors";
import { callWith, chainYaml, ownProviders, postWith, sseEvents, tag } from "../helpers/http";
import { parseExposition, sampleValue, type Exposition } from "../helpers/prometheus";

const chat = (extra: Record<string, unknown> = {}) => ({ model: "mana/t", messages: [{ role: "user", content: "hi" }], ...extra });

/** Bindings whose alias `mana/t` is `chain`, with this test's own providers declared. */
function vars(t: string, chain: string[]): Record<string, string> {
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}`) };
}

async function scrape(overrides: Record<string, string> = {}): Promise<{ exp: Exposition; text: string }> {
  const res = await callWith(overrides, "/metrics");
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe(EXPOSITION_CONTENT_TYPE);
  return { exp: parseExposition(text), text };
}

const value = (exp: Exposition, name: string, labels: Record<string, string>) => sampleValue(exp, name, labels) ?? 0;

describe("GET /metrics", () => {
  it("needs a key: none or a wrong one is 401 in the OpenAI envelope", async () => {
    for (const key of [null, "not-a-key"]) {
      const res = await callWith({}, "/metrics", { key });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/api_key/);
    }
    const { exp } = await scrape();
    expect(value(exp, "mana_llm_requests_total", { method: "GET", endpoint: "/metrics", status: "401" })).toBeGreaterThanOrEqual(2);
  });

  it("counts a success, a fallback and an exhausted chain with their providers, models and reasons", async () => {
    const t = tag();
    const before = (await scrape()).exp;
    const ok = await postWith(vars(t, [`groq-${t}/ok@${t}`]), "/v1/chat/completions", chat());
    expect(ok.status).toBe(200);
    const fell = await postWith(vars(t, [`dead-${t}/ok@${t}`, `openrouter-${t}/ok@${t}`]), "/v1/chat/completions", chat());
    expect(fell.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect`);
    const none = await postWith(vars(t, [`together-${t}/status:503@${t}`, `openai-${t}/unknown-model@${t}`]), "/v1/chat/completions", chat());
    expect(none.status).toBe(503);
    await Promise.all([ok.text(), fell.text(), none.text()]);

    const { exp } = await scrape();
    expect(value(exp, "mana_llm_llm_requests_total", { provider: `groq-${t}`, model: `ok@${t}`, streaming: "false" })).toBe(1);
    expect(value(exp, "mana_llm_tokens_total", { provider: `groq-${t}`, model: `ok@${t}`, type: "prompt" })).toBe(11);
    expect(value(exp, "mana_llm_tokens_total", { provider: `groq-${t}`, model: `ok@${t}`, type: "completion" })).toBe(5);
    expect(value(exp, "mana_llm_llm_latency_seconds_count", { provider: `groq-${t}`, model: `ok@${t}` })).toBe(1);
    expect(value(exp, "mana_llm_llm_latency_seconds_bucket", { provider: `groq-${t}`, model: `ok@${t}`, le: "+Inf" })).toBe(1);
    expect(value(exp, "mana_llm_alias_resolved_total", { alias: "mana/t", target: `groq-${t}/ok@${t}` })).toBe(1);

    // A refused connection (no answer at all) is not retried on the same entry: one call, one error, one attempt.
    expect(value(exp, "mana_llm_llm_requests_total", { provider: `dead-${t}`, model: `ok@${t}` })).toBe(1);
    expect(value(exp, "mana_llm_llm_errors_total", { provider: `dead-${t}`, model: `ok@${t}`, error_type: "connect" })).toBe(1);
    expect(value(exp, "mana_llm_fallback_total", { from_model: `dead-${t}/ok@${t}`, to_model: `openrouter-${t}/ok@${t}`, reason: "connect" })).toBe(1);
    expect(value(exp, "mana_llm_alias_resolved_total", { alias: "mana/t", target: `openrouter-${t}/ok@${t}` })).toBe(1);

    // A persistent 503 is retried once on the same entry: two calls, two errors; then the next entry.
    expect(value(exp, "mana_llm_llm_requests_total", { provider: `together-${t}`, model: `status:503@${t}` })).toBe(2);
    expect(value(exp, "mana_llm_llm_errors_total", { provider: `together-${t}`, model: `status:503@${t}`, error_type: "http-5xx" })).toBe(2);
    expect(value(exp, "mana_llm_llm_errors_total", { provider: `openai-${t}`, model: `unknown-model@${t}`, error_type: "model-not-found" })).toBe(1);
    expect(sampleValue(exp, "mana_llm_llm_latency_seconds_count", { provider: `together-${t}` })).toBeUndefined();

    const delta = (labels: Record<string, string>) => value(exp, "mana_llm_requests_total", labels) - value(before, "mana_llm_requests_total", labels);
    expect(delta({ method: "POST", endpoint: "/v1/chat/completions", status: "200" })).toBe(2);
    expect(delta({ method: "POST", endpoint: "/v1/chat/completions", status: "503" })).toBe(1);
    const latencyCount = (e: Exposition) => value(e, "mana_llm_request_latency_seconds_count", { endpoint: "/v1/chat/completions" });
    expect(latencyCount(exp) - latencyCount(before)).toBe(3);
  });

  it("counts skipped entries by reason: unconfigured and incapable", async () => {
    const t = tag();
    const res = await postWith({ ...vars(t, [`together-${t}/ok@${t}`, `groq-${t}/ok@${t}`]), TOGETHER_API_KEY: "" }, "/v1/chat/completions", chat());
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`together-${t}/ok@${t}=unconfigured`);
    const emb = await postWith(vars(t, [`groq-${t}/embed-a@${t}`, `openrouter-${t}/embed-b@${t}`, `together-${t}/embed-a@${t}`]), "/v1/embeddings", {
      model: "mana/t",
      input: "x",
    });
    expect(emb.status).toBe(200);
    const { exp } = await scrape();
    expect(value(exp, "mana_llm_llm_errors_total", { provider: `together-${t}`, model: `ok@${t}`, error_type: "unconfigured" })).toBe(1);
    expect(value(exp, "mana_llm_fallback_total", { from_model: `together-${t}/ok@${t}`, to_model: `groq-${t}/ok@${t}`, reason: "unconfigured" })).toBe(1);
    // The first entry answered: the different-model entry was never considered.
    expect(sampleValue(exp, "mana_llm_llm_errors_total", { provider: `openrouter-${t}` })).toBeUndefined();
  });

  it("a stream counts as streaming, with tokens and latency taken when it ends, even if the client did not ask for usage", async () => {
    const t = tag();
    const res = await postWith(vars(t, [`groq-${t}/ok@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    expect(res.status).toBe(200);
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.some((e) => e.includes('"usage"'))).toBe(false);
    const { exp } = await scrape();
    const labels = { provider: `groq-${t}`, model: `ok@${t}` };
    expect(value(exp, "mana_llm_llm_requests_total", { ...labels, streaming: "true" })).toBe(1);
    expect(sampleValue(exp, "mana_llm_llm_requests_total", { ...labels, streaming: "false" })).toBeUndefined();
    expect(value(exp, "mana_llm_tokens_total", { ...labels, type: "prompt" })).toBe(11);
    expect(value(exp, "mana_llm_tokens_total", { ...labels, type: "completion" })).toBe(5);
    expect(value(exp, "mana_llm_llm_latency_seconds_count", labels)).toBe(1);
  });

  it("a stream cut after commit counts a stream-error and no latency; a malformed event is counted and skipped", async () => {
    const t = tag();
    const cut = await postWith(vars(t, [`groq-${t}/stream-error:2@${t}`]), "/v1/chat/completions", chat({ stream: true }));
    const events = await sseEvents(cut);
    expect(events.at(-1)).toContain('"error"');
    const bad = await postWith(vars(t, [`openrouter-${t}/malformed@${t}`]), "/v1/chat/completions", chat());
    expect(bad.status).toBe(200);
    await bad.text();
    const { exp } = await scrape();
    const cutLabels = { provider: `groq-${t}`, model: `stream-error:2@${t}` };
    expect(value(exp, "mana_llm_llm_errors_total", { ...cutLabels, error_type: "stream-error" })).toBe(1);
    expect(sampleValue(exp, "mana_llm_llm_latency_seconds_count", cutLabels)).toBeUndefined();
    expect(value(exp, "mana_llm_malformed_events_total", { provider: `openrouter-${t}`, model: `malformed@${t}` })).toBe(1);
    expect(value(exp, "mana_llm_llm_latency_seconds_count", { provider: `openrouter-${t}`, model: `malformed@${t}` })).toBe(1);
  });

  it("embeddings count as non-streaming calls with the provider's prompt tokens", async () => {
    const t = tag();
    const res = await postWith(vars(t, [`groq-${t}/embed@${t}`]), "/v1/embeddings", { model: "mana/t", input: ["one two", "three"] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { prompt_tokens: number } };
    const { exp } = await scrape();
    const labels = { provider: `groq-${t}`, model: `embed@${t}` };
    expect(value(exp, "mana_llm_llm_requests_total", { ...labels, streaming: "false" })).toBe(1);
    expect(value(exp, "mana_llm_tokens_total", { ...labels, type: "prompt" })).toBe(body.usage.prompt_tokens);
    expect(sampleValue(exp, "mana_llm_tokens_total", { ...labels, type: "completion" })).toBeUndefined();
  });

  it("labels requests by route pattern: any model id is one endpoint, an unknown path is 'unmatched'", async () => {
    const before = (await scrape()).exp;
    expect((await callWith({}, "/v1/models/mana%2Ffast-text")).status).toBe(200);
    expect((await callWith({}, `/v1/models/mana/nope-${tag()}`)).status).toBe(404);
    expect((await callWith({}, `/no/such/${tag()}`)).status).toBe(404);
    const { exp } = await scrape();
    const delta = (labels: Record<string, string>) => value(exp, "mana_llm_requests_total", labels) - value(before, "mana_llm_requests_total", labels);
    expect(delta({ method: "GET", endpoint: "/v1/models/{id}", status: "200" })).toBe(1);
    expect(delta({ method: "GET", endpoint: "/v1/models/{id}", status: "404" })).toBe(1);
    expect(delta({ method: "GET", endpoint: "unmatched", status: "404" })).toBe(1);
    expect(exp.samples.filter((s) => s.labels.endpoint?.includes("fast-text") || s.labels.endpoint?.includes("/no/such"))).toEqual([]);
  });

  it("reads provider health and breaker transitions from the breaker objects at scrape time", async () => {
    const t = tag();
    const down = `groq-${t}`;
    const now = Date.now();
    await env.PROVIDER_HEALTH.getByName(down).recordFailure(now, "connect");
    await env.PROVIDER_HEALTH.getByName(down).recordFailure(now, "connect");
    await env.PROVIDER_HEALTH.getByName(`openrouter-${t}`).recordSuccess(now, "probe");
    const { exp } = await scrape(vars(t, [`${down}/ok@${t}`]));
    expect(sampleValue(exp, "mana_llm_provider_healthy", { provider: down })).toBe(0);
    expect(sampleValue(exp, "mana_llm_provider_healthy", { provider: `openrouter-${t}` })).toBe(1);
    // Never checked (no probe, no request): unknown, so no reading rather than a guessed 1.
    expect(sampleValue(exp, "mana_llm_provider_healthy", { provider: `together-${t}` })).toBeUndefined();
    expect(sampleValue(exp, "mana_llm_provider_misconfigured", { provider: down })).toBe(0);
    expect(sampleValue(exp, "mana_llm_breaker_transitions_total", { provider: down, from: "closed", to: "open" })).toBe(1);
    // Not configured here: no reading at all rather than a guessed one.
    expect(sampleValue(exp, "mana_llm_provider_healthy", { provider: `groq-${tag()}` })).toBeUndefined();
  });

  it("adds up every shard (what each isolate flushed) into one total", async () => {
    const t = tag();
    const def = METRICS.fallback;
    const key = seriesKey(def, { from_model: `a-${t}`, to_model: `b-${t}`, reason: "timeout" });
    const delta = (n: number): MetricsData => ({ ...emptyData(), values: { [def.name]: { [key]: n } } });
    await env.METRICS_STORE.getByName(shardName(0)).merge(delta(2));
    await env.METRICS_STORE.getByName(shardName(METRICS_SHARDS - 1)).merge(delta(3));
    await env.METRICS_STORE.getByName(shardName(0)).merge(delta(1));
    const { exp } = await scrape();
    expect(sampleValue(exp, "mana_llm_fallback_total", { from_model: `a-${t}`, to_model: `b-${t}`, reason: "timeout" })).toBe(6);
  });

  it("answers 503 rather than a partial total when a shard does not answer", async () => {
    const ns = {
      getByName: (name: string) => ({
        read: () => (name === shardName(3) ? Promise.reject(new Error("overloaded")) : Promise.resolve(emptyData())),
      }),
    } as unknown as Env["METRICS_STORE"];
    const err = await readShards(ns, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).message).toContain(shardName(3));
  });

  it("never shows a secret: no client key, admin key or upstream key, even after an upstream 401", async () => {
    const t = tag();
    const extra = `  badkey-${t}: {kind: openai, base_url: "${inject("openaiFakeUrl")}/groq/v1", api_key_env: BADKEY_KEY}\n`;
    const bindings = { ALIASES_YAML: chainYaml([`badkey-${t}/ok@${t}`], `providers:\n${ownProviders(t)}${extra}`), BADKEY_KEY: "sk-wrong-secret-metrics-123" };
    expect((await postWith(bindings, "/v1/chat/completions", chat())).status).toBe(502);
    const { text } = await scrape(bindings);
    for (const secret of ["sk-wrong-secret", "fake-secret", "test-key", "second-key", "admin-key"]) expect(text).not.toContain(secret);
    expect(text).toContain(`badkey-${t}`);
  });
});
