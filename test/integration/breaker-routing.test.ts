/**
 * The breakers on the request path, through the Worker against the fake upstream. Each
 * test declares its own primary provider (fresh name → fresh Durable Object) in
 * ALIASES_YAML, pointed at the fake's groq endpoints.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../src/index";
import { chainYaml, callWith, fakeLog, KEY, postWith, tag } from "../helpers/http";

const fake = inject("openaiFakeUrl");
const chat = () => ({ model: "mana/t", messages: [{ role: "user", content: "hi" }] });

/** A chain of [<fresh primary>/<primaryModel>, openrouter/ok@t] and the bindings that declare it. */
function setup(primaryModel: (t: string) => string) {
  const t = tag();
  const primary = `prim-${t}`;
  const model = primaryModel(t);
  const yaml = chainYaml([`${primary}/${model}`, `openrouter/ok@${t}`], `providers:\n  ${primary}: {kind: openai, base_url: "${fake}/groq/v1", api_key_env: GROQ_API_KEY}\n`);
  return { t, primary, model, vars: { ALIASES_YAML: yaml } };
}

async function timed(p: Promise<Response>): Promise<{ res: Response; ms: number; text: string }> {
  const started = Date.now();
  const res = await p;
  const text = await res.text();
  return { res, ms: Date.now() - started, text };
}

type Health = { status: string; providers: Record<string, { status: string; state: string; consecutive_failures: number; last_error: string | null; unhealthy_until_unix: number | null }> };

describe("breaker on the request path", () => {
  it("two failed requests open the primary: the third never reaches it and answers from the fallback at once", async () => {
    const { t, primary, model, vars } = setup((t) => `silent@${t}`);
    const firstByte = Number(env.FIRST_BYTE_TIMEOUT_MS);
    for (let i = 0; i < 2; i++) {
      const { res, ms } = await timed(postWith(vars, "/v1/chat/completions", chat()));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
      expect(res.headers.get("x-mana-llm-attempts")).toBe(`${primary}/${model}=timeout`);
      expect(ms).toBeGreaterThanOrEqual(firstByte - 10);
    }
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(2);

    const third = await timed(postWith(vars, "/v1/chat/completions", chat()));
    expect(third.res.status).toBe(200);
    expect(third.res.headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
    expect(third.res.headers.get("x-mana-llm-attempts")).toBe(`${primary}/${model}=cache-unhealthy`);
    // Skipped, not waited for: the third request never reached the dead primary.
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(2);

    const health = (await (await callWith(vars, "/v1/health")).json()) as Health;
    const p = health.providers[primary]!;
    expect(p).toMatchObject({ status: "unhealthy", state: "open", consecutive_failures: 2, last_error: "timeout" });
    const nowS = Date.now() / 1000;
    expect(p.unhealthy_until_unix!).toBeGreaterThan(nowS + 50);
    expect(p.unhealthy_until_unix!).toBeLessThanOrEqual(nowS + 61);
    expect(health.status).toBe("degraded");
  });

  it("after the backoff exactly one of several concurrent requests reaches the primary; its success closes it for all", async () => {
    const { t, primary, model, vars } = setup((t) => `ok@${t}-p`);
    // Two failures 61 s ago: the window (60 s) is over, the breaker is half-open.
    const past = Date.now() - 61_000;
    await env.PROVIDER_HEALTH.getByName(primary).recordFailure(past, "connect");
    await env.PROVIDER_HEALTH.getByName(primary).recordFailure(past, "connect");

    const answers = await Promise.all(Array.from({ length: 6 }, () => timed(postWith(vars, "/v1/chat/completions", chat()))));
    expect(answers.every((a) => a.res.status === 200)).toBe(true);
    const resolved = answers.map((a) => a.res.headers.get("x-mana-llm-resolved"));
    expect(resolved.filter((r) => r === `${primary}/${model}`)).toHaveLength(1);
    expect(resolved.filter((r) => r === `openrouter/ok@${t}`)).toHaveLength(5);
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(1);

    // The trial's success closed it: every later request goes to the primary again.
    for (let i = 0; i < 3; i++) {
      const res = await postWith(vars, "/v1/chat/completions", chat());
      expect(res.headers.get("x-mana-llm-resolved")).toBe(`${primary}/${model}`);
      await res.text();
    }
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(4);
    // In the DO, so for every isolate, not just this one.
    expect(await env.PROVIDER_HEALTH.getByName(primary).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastError: null });
  });

  it("a 429 opens the primary for its Retry-After without counting as a failure", async () => {
    const { t, primary, model, vars } = setup((t) => `retry-after:30@${t}`);
    const first = await postWith(vars, "/v1/chat/completions", chat());
    expect(first.headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
    await first.text();
    const second = await postWith(vars, "/v1/chat/completions", chat());
    expect(second.headers.get("x-mana-llm-attempts")).toBe(`${primary}/${model}=cache-unhealthy`);
    await second.text();
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(1);
    const snap = await env.PROVIDER_HEALTH.getByName(primary).snapshot();
    expect(snap).toMatchObject({ state: "open", consecutiveFailures: 0 });
    expect(snap.unhealthyUntil! - Date.now()).toBeGreaterThan(25_000);
  });

  it("a 4xx never touches the breaker", async () => {
    const { primary, model, vars } = setup((t) => `context-length@${t}`);
    for (let i = 0; i < 3; i++) await (await postWith(vars, "/v1/chat/completions", chat())).text();
    expect(await fakeLog("openaiFakeUrl", model)).toHaveLength(3);
    expect(await env.PROVIDER_HEALTH.getByName(primary).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastCheck: null });
  });

  it("a Durable Object that throws makes the request path fail open, not fail", async () => {
    const { primary, model, vars } = setup((t) => `ok@${t}`);
    const broken = {
      getByName: () => {
        throw new Error("Durable Object storage unavailable");
      },
    };
    const ctx = createExecutionContext();
    const req = new Request("http://router.test/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(chat()),
    });
    const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...vars, PROVIDER_HEALTH: broken } as unknown as Env, ctx);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`${primary}/${model}`);
    await res.text();
  });
});
