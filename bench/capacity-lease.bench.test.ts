/**
 * What a capacity limit costs on the request path (DESIGN.md § The local GPU): a limited
 * provider asks its Durable Object for a lease before every call, an unlimited one does
 * not. Same fake Ollama behind both; samples interleaved so drift hits both alike. Prints
 * numbers; asserts only that it measured something. `npm run bench`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { createBreakerGate } from "../src/breaker/view";
import { loadSettings } from "../src/config/settings";
import { chainYaml, postWith, tag } from "../test/helpers/http";

const settings = loadSettings(env as unknown as Record<string, unknown>);

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} mean=${mean.toFixed(2)}ms p50=${at(0.5).toFixed(2)}ms p95=${at(0.95).toFixed(2)}ms`;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}

describe("capacity lease latency (bench)", () => {
  it("lease() + release() against the provider's DO", async () => {
    const gate = createBreakerGate(env, settings, () => {});
    const provider = `bench-lease-${tag()}`;
    await env.PROVIDER_HEALTH.getByName(provider).snapshot(); // the DO exists before measuring
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      samples.push(
        await timed(async () => {
          const lease = await gate.lease(provider, 3);
          lease?.release();
        }),
      );
    }
    console.log(`[bench] lease round trip:            ${stats(samples)}`);
    expect(samples).toHaveLength(200);
  });

  it("a chat request through the Worker: limited (max_concurrent: 3) vs unlimited Ollama", async () => {
    const t = tag();
    const ollama = inject("ollamaFakeUrl");
    const providers = `providers:\n  limited-${t}: {kind: ollama, base_url: "${ollama}", max_concurrent: 3}\n  open-${t}: {kind: ollama, base_url: "${ollama}"}\n`;
    const vars = (p: string) => ({ ALIASES_YAML: chainYaml([`${p}-${t}/qwen2.5:7b`], providers), BREAKER_CACHE_MS: "60000" });
    const request = (p: string) => () => postWith(vars(p), "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] }).then((r) => r.text());
    await request("limited")();
    await request("open")();
    const limited: number[] = [];
    const open: number[] = [];
    for (let i = 0; i < 80; i++) {
      limited.push(await timed(request("limited")));
      open.push(await timed(request("open")));
    }
    const p50 = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
    console.log(`[bench] request, unlimited Ollama:   ${stats(open)}`);
    console.log(`[bench] request, max_concurrent: 3:  ${stats(limited)}`);
    console.log(`[bench] added by the lease (p50):    ${(p50(limited) - p50(open)).toFixed(2)}ms`);
    expect(limited.length + open.length).toBe(160);
  });
});
