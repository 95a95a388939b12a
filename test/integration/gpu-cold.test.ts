/**
 * Cold loads on the local GPU (DESIGN.md § The local GPU): the probe sweep reads Ollama's
 * `/api/ps`; a model not in memory is skipped (reason `cold`) while one warm-up loads it,
 * or, as the last entry, gets OLLAMA_LOAD_TIMEOUT_MS to answer. Each test has a GPU of its
 * own (the fake keeps a separate memory per first path segment).
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it, vi } from "vitest";
import { loadSettings } from "../../src/config/settings";
import { sweepProviders } from "../../src/health/sweep";
import { envVars } from "../../src/lib/env";
import { callWith, chainYaml, fakeLog, ownProviders, postWith, tag } from "../helpers/http";
import { parseExposition, sampleValue } from "../helpers/prometheus";

const ollama = inject("ollamaFakeUrl");
const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });
const PATIENT = { timeout: 8_000, interval: 100 };

function vars(t: string, chain: string[], gpu: string, more: Record<string, string> = {}): Record<string, string> {
  return { ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}  ${gpu}: {kind: ollama, base_url: "${ollama}/${gpu}"}\n`), ...more };
}

/** One probe sweep with these bindings, as the cron runs it. */
async function sweep(bindings: Record<string, string>): Promise<void> {
  const e = { ...env, ...bindings, PROBE_TIMEOUT_MS: "2000" } as unknown as Env;
  await sweepProviders(e, loadSettings(envVars(e)));
}

async function gpuHealth(bindings: Record<string, string>, gpu: string): Promise<{ loaded_models: string[] | null; state: string; consecutive_failures: number }> {
  const body = (await (await callWith(bindings, "/v1/health")).json()) as { providers: Record<string, { loaded_models: string[] | null; state: string; consecutive_failures: number }> };
  return body.providers[gpu]!;
}

const calls = async (model: string, api: string) => (await fakeLog("ollamaFakeUrl", model)).filter((e) => e.path.endsWith(api) && e.model === model);

describe("cold models", () => {
  it("the sweep reads /api/ps; a cold model spills to the cloud while exactly one warm-up loads it, then the GPU answers", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const model = `cold:1500@${t}`;
    const bindings = vars(t, [`${gpu}/${model}`, `groq-${t}/ok@${t}`], gpu);
    await sweep(bindings);
    const before = await gpuHealth(bindings, gpu);
    expect(before.loaded_models).toContain("qwen2.5:7b");
    expect(before.loaded_models).not.toContain(model);

    const spilled = await Promise.all([0, 1, 2].map(() => postWith(bindings, "/v1/chat/completions", chat("mana/t"))));
    for (const res of spilled) {
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/${model}=cold`);
    }
    await vi.waitFor(async () => expect(await calls(model, "/api/generate")).toHaveLength(1), PATIENT);
    const [warmup] = await calls(model, "/api/generate");
    expect(warmup!.body).toEqual({ model, keep_alive: expect.any(String) });
    // Skipped, not failed: the breaker heard nothing.
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });

    // Once loaded, requests return to the GPU.
    await vi.waitFor(async () => {
      const res = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`${gpu}/${model}`);
    }, PATIENT);
    expect(await calls(model, "/api/generate")).toHaveLength(1);
    expect((await gpuHealth(bindings, gpu)).loaded_models).toContain(model);

    const exp = parseExposition(await (await callWith(bindings, "/metrics")).text());
    expect(sampleValue(exp, "mana_llm_fallback_total", { from_model: `${gpu}/${model}`, to_model: `groq-${t}/ok@${t}`, reason: "cold" })).toBeGreaterThanOrEqual(3);
  });

  it("as the only entry, a cold model answers after its load (longer than FIRST_BYTE_TIMEOUT_MS); the breaker stays closed", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const model = `cold:2500@${t}`;
    const bindings = vars(t, [`${gpu}/${model}`], gpu);
    await sweep(bindings);
    expect((await gpuHealth(bindings, gpu)).loaded_models).not.toContain(model);

    const res = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`${gpu}/${model}`);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content).toBe(`Hello from ollama ${model}.`);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    // The answer proved it loaded: the GPU's memory list now has it, no warm-up needed.
    await vi.waitFor(async () => expect((await gpuHealth(bindings, gpu)).loaded_models).toContain(model), PATIENT);
    expect(await calls(model, "/api/generate")).toHaveLength(0);
  });

  it("a first-byte timeout while the model is loading is not a breaker failure", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const model = `cold:5000@${t}`;
    const bindings = vars(t, [`${gpu}/${model}`], gpu, { OLLAMA_LOAD_TIMEOUT_MS: "500" });
    await sweep(bindings);
    const res = await postWith(bindings, "/v1/chat/completions", chat("mana/t"));
    expect(res.status).toBe(503);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`${gpu}/${model}=timeout`);
    expect(await env.PROVIDER_HEALTH.getByName(gpu).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });

  it("embeddings: a later entry of another model is no way out (different vectors), so the cold model is waited for", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const model = `cold:2500@${t}`;
    const bindings = vars(t, [`${gpu}/${model}`, `groq-${t}/ok@${t}`], gpu);
    await sweep(bindings);
    const res = await postWith(bindings, "/v1/embeddings", { model: "mana/t", input: "alpha" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`${gpu}/${model}`);
    expect(await calls(model, "/api/generate")).toHaveLength(0);
  });

  it("never probed (no loaded list yet): every model counts as loaded, as before", async () => {
    const t = tag();
    const gpu = `gpu-${t}`;
    const model = `cold:100@${t}`;
    const res = await postWith(vars(t, [`${gpu}/${model}`, `groq-${t}/ok@${t}`], gpu), "/v1/chat/completions", chat("mana/t"));
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`${gpu}/${model}`);
    expect(await calls(model, "/api/generate")).toHaveLength(0);
  });
});
