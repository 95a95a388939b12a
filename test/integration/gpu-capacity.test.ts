/**
 * The local GPU's capacity (DESIGN.md § The local GPU): `max_concurrent` leases kept by the
 * provider's Durable Object, through the Worker against the fake Ollama. `hold` models keep
 * their answer open until the test releases them, so "in flight" is a fact, not a timing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it, vi } from "vitest";
import { parseExposition, sampleValue } from "../helpers/prometheus";
import { callWith, chainYaml, fakeLog, ownProviders, postWith, tag } from "../helpers/http";

const ollama = inject("ollamaFakeUrl");
const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra });

/** Bindings with alias `mana/t` over `chain`, this test's cloud providers and its own GPUs (`name: max_concurrent`). */
function vars(t: string, chain: string[], gpus: Record<string, number>): Record<string, string> {
  const declared = Object.entries(gpus).map(([name, max]) => `  ${name}: {kind: ollama, base_url: "${ollama}/${name}", max_concurrent: ${max}}\n`);
  // A held answer is silent until released: the idle clock must outlast the test's own steps.
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}${declared.join("")}`), STREAM_IDLE_TIMEOUT_MS: "7000" };
}

/** Worker start-up and DO round trips under a loaded machine: poll patiently (never sleep). */
const PATIENT = { timeout: 8_000, interval: 50 };

const release = (model: string) => fetch(`${ollama}/__release?model=${encodeURIComponent(model)}`, { method: "POST" });
/** /api/chat calls the fake received for `model`. */
const chatCalls = async (model: string) => (await fakeLog("ollamaFakeUrl", model)).filter((e) => e.path.endsWith("/api/chat") && e.model === model);

async function health(bindings: Record<string, string>, provider: string): Promise<Record<string, unknown>> {
  const res = await callWith(bindings, "/v1/health");
  const body = (await res.json()) as { providers: Record<string, Record<string, unknown>> };
  return body.providers[provider]!;
}

describe("max_concurrent", () => {
  it("a third concurrent request goes to the next entry while two are in flight; once one ends, the GPU answers again", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const bindings = vars(t, [`${gpu}/ok@${t}`, `groq-${t}/ok@${t}`], { [gpu]: 2 });
    const [a, b] = [`hold@a${t}`, `hold@b${t}`];
    // Two slow generations take both slots (direct calls, so they can be ended one at a time).
    const first = postWith(bindings, "/v1/chat/completions", chat(`${gpu}/${a}`));
    const second = postWith(bindings, "/v1/chat/completions", chat(`${gpu}/${b}`));
    await vi.waitFor(async () => expect((await chatCalls(a)).length + (await chatCalls(b)).length).toBe(2), PATIENT);
    expect(await health(bindings, gpu)).toMatchObject({ in_flight: 2, max_concurrent: 2 });
    // The operator's status page shows the capacity in use for the entry.
    expect(await (await callWith(bindings, "/status")).text()).toMatch(/2 \/ 2/);

    const third = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(third.status, await third.clone().text()).toBe(200);
    expect(third.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    expect(third.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/ok@${t}=at-capacity`);
    // Skipped, not called: the GPU never saw it, and its breaker heard nothing.
    expect(await chatCalls(`ok@${t}`)).toHaveLength(0);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastCheck: null });

    await release(a);
    const firstRes = await first;
    expect(firstRes.headers.get("x-mana-llm-resolved"), await firstRes.clone().text()).toBe(`${gpu}/${a}`);
    await vi.waitFor(async () => expect(await health(bindings, gpu)).toMatchObject({ in_flight: 1 }), PATIENT);
    const fourth = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(fourth.headers.get("x-mana-llm-resolved"), await fourth.clone().text()).toBe(`${gpu}/ok@${t}`);
    expect(fourth.headers.get("x-mana-llm-attempts")).toBeNull();

    await release(b);
    expect((await second).status).toBe(200);
    await vi.waitFor(async () => expect(await health(bindings, gpu)).toMatchObject({ in_flight: 0 }), PATIENT);

    // Both facts reach /metrics: the spill by reason, and the in-flight gauge.
    const exp = parseExposition(await (await callWith(bindings, "/metrics")).text());
    expect(sampleValue(exp, "mana_llm_fallback_total", { from_model: `${gpu}/ok@${t}`, to_model: `groq-${t}/ok@${t}`, reason: "at-capacity" })).toBe(1);
    expect(sampleValue(exp, "mana_llm_inflight", { provider: gpu })).toBe(0);
  });

  it("a stream holds its lease until the client leaves; the aborted stream releases it", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const bindings = vars(t, [`${gpu}/ok@${t}`, `groq-${t}/ok@${t}`], { [gpu]: 1 });
    const model = `hold@${t}`;
    const client = new AbortController();
    const res = await postWith(bindings, "/v1/chat/completions", chat(`${gpu}/${model}`, { stream: true }), { signal: client.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    // Committed and still streaming: the slot is taken, so the alias spills.
    const spilled = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(spilled.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/ok@${t}=at-capacity`);

    client.abort();
    await reader.cancel().catch(() => {});
    await vi.waitFor(async () => expect((await chatCalls(model))[0]?.aborted).toBe(true), PATIENT);
    await vi.waitFor(async () => expect(await health(bindings, gpu)).toMatchObject({ in_flight: 0, max_concurrent: 1 }), PATIENT);
    const after = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(after.headers.get("x-mana-llm-resolved")).toBe(`${gpu}/ok@${t}`);
    await release(model);
  });

  it("every entry full → 503 with Retry-After: 1 at once, attempts naming each", async () => {
    const t = tag();
    const [g1, g2] = [`gpu1-${t}`, `gpu2-${t}`];
    const bindings = vars(t, [`${g1}/ok@${t}`, `${g2}/ok@${t}`], { [g1]: 1, [g2]: 1 });
    const holds = [postWith(bindings, "/v1/chat/completions", chat(`${g1}/hold@a${t}`)), postWith(bindings, "/v1/chat/completions", chat(`${g2}/hold@b${t}`))];
    await vi.waitFor(async () => expect((await chatCalls(`hold@a${t}`)).length + (await chatCalls(`hold@b${t}`)).length).toBe(2), PATIENT);

    const res = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as { error: { code: string; attempts: { model: string; reason: string }[] } };
    expect(body.error.code).toBe("no_healthy_provider");
    expect(body.error.attempts).toEqual([
      { model: `${g1}/ok@${t}`, reason: "at-capacity" },
      { model: `${g2}/ok@${t}`, reason: "at-capacity" },
    ]);
    await Promise.all([release(`hold@a${t}`), release(`hold@b${t}`)]);
    for (const r of await Promise.all(holds)) expect(r.status).toBe(200);
  });

  it("the built-in Ollama is limited by OLLAMA_MAX_CONCURRENT (default 3); 0 lifts the limit", async () => {
    expect(await health({}, "ollama")).toMatchObject({ max_concurrent: 3, in_flight: expect.any(Number) });
    expect(await health({ OLLAMA_MAX_CONCURRENT: "5" }, "ollama")).toMatchObject({ max_concurrent: 5 });
    expect(await health({ OLLAMA_MAX_CONCURRENT: "0" }, "ollama")).toMatchObject({ max_concurrent: null });
    const bad = await callWith({ OLLAMA_MAX_CONCURRENT: "three" }, "/v1/health");
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain("OLLAMA_MAX_CONCURRENT");
  });
});

describe("capacity leases in the ProviderHealth DO (injected clock)", () => {
  const T0 = 1_800_000_000_000;

  it("grants up to max, refuses beyond, and frees a slot on release", async () => {
    const stub = env.PROVIDER_HEALTH.getByName(`lease-${tag()}`);
    const a = await stub.acquireLease(T0, 2, 60_000);
    const b = await stub.acquireLease(T0 + 1, 2, 60_000);
    expect([a.granted, b.granted, b.inFlight]).toEqual([true, true, 2]);
    expect(await stub.acquireLease(T0 + 2, 2, 60_000)).toEqual({ granted: false, inFlight: 2 });
    await stub.releaseLease(a.id!);
    expect(await stub.acquireLease(T0 + 3, 2, 60_000)).toMatchObject({ granted: true, inFlight: 2 });
  });

  it("a lease nobody releases (a crashed isolate) expires after its TTL and frees its slot", async () => {
    const stub = env.PROVIDER_HEALTH.getByName(`lease-${tag()}`);
    expect((await stub.acquireLease(T0, 1, 120_000)).granted).toBe(true);
    expect((await stub.acquireLease(T0 + 119_999, 1, 120_000)).granted).toBe(false);
    expect((await stub.snapshot(T0 + 119_999)).inFlight).toBe(1);
    expect((await stub.snapshot(T0 + 120_000)).inFlight).toBe(0);
    expect(await stub.acquireLease(T0 + 120_000, 1, 120_000)).toMatchObject({ granted: true, inFlight: 1 });
  });
});
