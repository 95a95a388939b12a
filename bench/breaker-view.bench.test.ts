/**
 * Request-path cost of the circuit breakers: the isolate view warm (verdict cached) against
 * cold (every admit asks the provider's Durable Object). Prints numbers; asserts only that
 * it measured something. `npm run bench`.
 *
 * workerd's clock only advances across I/O, so an admit answered from the cache (no I/O)
 * reads as 0 ms: that is the point of the cache, not a measuring error.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { createBreakerGate, forgetBreakerView } from "../src/breaker/view";
import { loadSettings } from "../src/config/settings";
import { chainYaml, postWith, tag } from "../test/helpers/http";

const settings = loadSettings(env as unknown as Record<string, unknown>);

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} mean=${mean.toFixed(2)}ms p50=${at(0.5).toFixed(2)}ms p95=${at(0.95).toFixed(2)}ms max=${s[s.length - 1]!.toFixed(2)}ms`;
}

async function sample(n: number, before: () => void, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    before();
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

describe("breaker view latency (bench)", () => {
  it("admit(): warm view vs cold view", async () => {
    const provider = `bench-${tag()}`;
    const gate = () => createBreakerGate(env, { ...settings, breakerCacheMs: 60_000 }, () => {});
    // The first DO of a fresh runtime takes hundreds of ms to start (an admit then fails
    // open at the deadline); start one elsewhere so the numbers below are steady state.
    const boot = await sample(
      1,
      () => {},
      () => env.PROVIDER_HEALTH.getByName(`boot-${tag()}`).snapshot(),
    );
    // First contact with a provider's DO, without the view's deadline: paid once per provider.
    const first = await sample(
      1,
      () => {},
      () => env.PROVIDER_HEALTH.getByName(provider).acquire(Date.now()),
    );
    const cold = await sample(
      200,
      () => forgetBreakerView(env.PROVIDER_HEALTH),
      () => gate().admit(provider),
    );
    const warmGate = gate();
    await warmGate.admit(provider);
    const warm = await sample(
      200,
      () => {},
      () => warmGate.admit(provider),
    );
    console.log(`[bench] first DO of the runtime:       ${stats(boot)}`);
    console.log(`[bench] acquire, first contact (DO):  ${stats(first)}`);
    console.log(`[bench] admit cold (DO round trip):    ${stats(cold)}`);
    console.log(`[bench] admit warm (isolate cache):    ${stats(warm)}`);
    expect(cold).toHaveLength(200);
    expect(warm).toHaveLength(200);
  });

  it("a chat request through the Worker: warm view vs cold view", async () => {
    const t = tag();
    const primary = `bench-${t}`;
    const vars = {
      ALIASES_YAML: chainYaml([`${primary}/ok@${t}`], `providers:\n  ${primary}: {kind: openai, base_url: "${inject("openaiFakeUrl")}/groq/v1", api_key_env: GROQ_API_KEY}\n`),
      BREAKER_CACHE_MS: "60000",
    };
    const request = () => postWith(vars, "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] }).then((r) => r.text());
    await request(); // warm-up: DO created, config parsed, connections open
    const cold = await sample(60, () => forgetBreakerView(env.PROVIDER_HEALTH), request);
    const warm = await sample(60, () => {}, request);
    console.log(`[bench] request, view cold: ${stats(cold)}`);
    console.log(`[bench] request, view warm: ${stats(warm)}`);
    expect(cold.length + warm.length).toBe(120);
  });
});
