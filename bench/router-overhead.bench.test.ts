/**
 * What the router costs and what it saves, in the same workerd the tests use (no dev
 * proxy in the way), against the fake OpenAI-compatible upstream on loopback. Prints
 * numbers; asserts only that it measured something. `npm run bench`.
 *
 * 1. the upstream called directly vs through the router (non-streaming and streaming);
 * 2. a hung GPU first in the chain (accepts, never answers): the first requests pay the
 *    first-byte timeout, then the breaker opens and the fallback answers at once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { chainYaml, ownProviders, postWith, tag } from "../test/helpers/http";

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `n=${s.length} p50=${at(0.5).toFixed(1)}ms p90=${at(0.9).toFixed(1)}ms p99=${at(0.99).toFixed(1)}ms`;
}

async function timed(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

const N = 150;

describe("router overhead (bench)", () => {
  it("upstream directly vs through the router", async () => {
    const t = tag();
    const vars = { ALIASES_YAML: chainYaml([`groq-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) };
    const body = (stream: boolean) => ({ model: "mana/t", stream, messages: [{ role: "user", content: "hi" }] });
    const direct = () =>
      fetch(`${inject("openaiFakeUrl")}/groq/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${(env as unknown as Record<string, string>).GROQ_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: `ok@${t}`, stream: true, stream_options: { include_usage: true }, messages: [] }),
      }).then((r) => r.text());
    const viaRouter = (stream: boolean) => () => postWith(vars, "/v1/chat/completions", body(stream)).then((r) => r.text());
    // Warm-up: modules loaded, config parsed, breaker DO created, connections open.
    for (let i = 0; i < 10; i++) await viaRouter(false)();
    const base = await timed(N, direct);
    const aggregated = await timed(N, viaRouter(false));
    const streamed = await timed(N, viaRouter(true));
    console.log(`[bench] upstream directly (SSE):        ${stats(base)}`);
    console.log(`[bench] router, non-streaming:          ${stats(aggregated)}`);
    console.log(`[bench] router, streaming:              ${stats(streamed)}`);
    expect(base.length + aggregated.length + streamed.length).toBe(3 * N);
  });

  it("a hung GPU first in the chain: first-byte timeout, then the breaker skips it", async () => {
    const t = tag();
    const gpu = `  gpu-${t}: {kind: openai, base_url: "${inject("openaiFakeUrl")}/groq/v1", api_key_env: GROQ_API_KEY}\n`;
    const vars = { ALIASES_YAML: chainYaml([`gpu-${t}/silent@${t}`, `groq-${t}/ok@${t}`], `providers:\n${gpu}${ownProviders(t)}`) };
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const res = await postWith(vars, "/v1/chat/completions", { model: "mana/t", messages: [{ role: "user", content: "hi" }] });
      await res.text();
      lines.push(`request ${i + 1}: ${(performance.now() - started).toFixed(0)} ms, ${res.status}, attempts: ${res.headers.get("x-mana-llm-attempts")}`);
    }
    console.log(`[bench] hung GPU, FIRST_BYTE_TIMEOUT_MS=${env.FIRST_BYTE_TIMEOUT_MS}:\n  ${lines.join("\n  ")}`);
    expect(lines).toHaveLength(6);
  });
});
