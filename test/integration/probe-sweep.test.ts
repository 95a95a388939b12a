import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { inject } from "vitest";
import worker from "../../src/index";
import { runProbeSchedule } from "../../src/health/sweep";
import { forgetBreakerView, forgetSnapshotCache } from "../../src/breaker/view";
import { bundledConfig } from "../../src/config/bundled";
import { loadProviders } from "../../src/config/settings";
import { envVars } from "../../src/lib/env";
import { probeSafely } from "../../src/providers/http";
import { adapterFor } from "../../src/providers/registry";
import { call, fakeLog, tag } from "../helpers/http";
import { captureLogs } from "../helpers/logs";

const fake = inject("openaiFakeUrl");
/** Every provider the test env configures, and those whose kind has an adapter to probe with. */
const CONFIGURED = [...loadProviders(envVars(env), bundledConfig()).values()].filter((p) => p.configured);
const PROBED = CONFIGURED.filter((p) => adapterFor(p.kind)).map((p) => p.name);
/** The ones served by the fake OpenAI-compatible upstream, whose probe faults tests choose by path. */
const OPENAI_KIND = ["groq", "openrouter", "together", "openai"] as const;
/** One sweep per trigger (PROBE_INTERVAL_S=60), and a probe timeout no healthy fake misses on a busy machine (600 ms once did). */
const SWEEP_ENV = { PROBE_INTERVAL_S: "60", PROBE_TIMEOUT_MS: "5000" };

const stub = (name: string) => env.PROVIDER_HEALTH.getByName(name);

/** Fires the cron handler the way the runtime does, with some bindings replaced. */
async function trigger(overrides: Record<string, string> = {}): Promise<number> {
  const controller = createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" });
  const ctx = createExecutionContext();
  const started = Date.now();
  const scheduled = worker.scheduled as ExportedHandlerScheduledHandler<Env>;
  await scheduled(controller, { ...env, ...SWEEP_ENV, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return Date.now() - started;
}

// The providers' breakers are shared by every test in this file: start each one closed.
beforeEach(async () => {
  await Promise.all(CONFIGURED.map((p) => stub(p.name).reset(Date.now())));
  forgetBreakerView(env.PROVIDER_HEALTH);
  forgetSnapshotCache(env.PROVIDER_HEALTH);
});

describe("probe sweep (scheduled)", () => {
  it("the Worker exports scheduled, and exports.default has it at run time", async () => {
    const { exports } = await import("cloudflare:workers");
    expect(typeof (exports.default as unknown as { scheduled?: unknown }).scheduled).toBe("function");
  });

  it("probes every configured provider through its adapter's cheap endpoint", async () => {
    const t = tag();
    const bases = Object.fromEntries(OPENAI_KIND.map((p) => [`${p.toUpperCase()}_BASE_URL`, `${fake}/${p}/v1/probe-status:204@${t}`]));
    await trigger(bases);
    const log = await fakeLog("openaiFakeUrl", `@${t}/models`);
    expect(log.map((e) => e.provider).sort()).toEqual([...OPENAI_KIND].sort());
    expect(log.every((e) => e.method === "GET")).toBe(true);
    // Every kind with an adapter was probed; its result reached its breaker.
    for (const p of PROBED) expect((await stub(p).snapshot()).lastCheck).not.toBeNull();
  });

  it("the primary down: each sweep records a failure and the second opens it; the primary back up: the next sweep closes it", async () => {
    const down = { GROQ_BASE_URL: "http://127.0.0.1:1/v1" };
    await trigger(down);
    expect(await stub("groq").snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 1, lastError: expect.stringMatching(/^probe: connect/) });
    await trigger(down);
    const open = await stub("groq").snapshot();
    expect(open).toMatchObject({ state: "open", consecutiveFailures: 2 });
    expect(open.unhealthyUntil).toBeGreaterThan(Date.now() + 50_000);
    // The others were probed in the same sweeps and are fine.
    for (const p of ["openrouter", "together", "openai"]) expect(await stub(p).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });

    const health = await (await call("/v1/health")).json<{ status: string; providers: Record<string, { status: string; state: string; unhealthy_until_unix: number | null }> }>();
    expect(health.status).toBe("degraded");
    expect(health.providers.groq).toMatchObject({ status: "unhealthy", state: "open", unhealthy_until_unix: Math.floor(open.unhealthyUntil! / 1000) });

    // A probe runs whatever the breaker state: the answer closes it without waiting for the window.
    await trigger();
    expect(await stub("groq").snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastError: null });
  });

  it("a probe failure while open refreshes the window", async () => {
    const down = { GROQ_BASE_URL: "http://127.0.0.1:1/v1" };
    await trigger(down);
    await trigger(down);
    const first = (await stub("groq").snapshot()).unhealthyUntil!;
    await new Promise((r) => setTimeout(r, 20));
    await trigger(down);
    const refreshed = await stub("groq").snapshot();
    expect(refreshed.state).toBe("open");
    expect(refreshed.unhealthyUntil!).toBeGreaterThan(first);
  });

  it("a hanging provider's probe times out at PROBE_TIMEOUT_MS while the others complete", async () => {
    const t = tag();
    // The sweep ends although the upstream never answers: the probe timeout cut it. Long enough
    // that the healthy fakes answer first on a busy machine.
    const elapsed = await trigger({ GROQ_BASE_URL: `${fake}/groq/v1/probe-hang@${t}`, PROBE_TIMEOUT_MS: "2500" });
    expect(elapsed).toBeGreaterThanOrEqual(2450);
    const groq = await stub("groq").snapshot();
    expect(groq).toMatchObject({ consecutiveFailures: 1, lastError: "probe: timeout (no answer within 2500 ms)" });
    for (const p of ["openrouter", "together", "openai"]) expect(await stub(p).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    for (const p of PROBED.filter((n) => n !== "groq")) {
      // Every other provider was recorded, and before the hanging probe gave up: nobody waited for it.
      const s = await stub(p).snapshot();
      expect(s.lastCheck).not.toBeNull();
      expect(s.lastCheck!).toBeLessThan(groq.lastCheck!);
    }
    // The abandoned request was actually cut, not left open.
    await vi.waitFor(async () => expect((await fakeLog("openaiFakeUrl", `probe-hang@${t}`))[0]?.aborted).toBe(true));
  });

  it("a 5xx answer is dead; a 404 is alive (the server answered)", async () => {
    const t = tag();
    await trigger({ GROQ_BASE_URL: `${fake}/groq/v1/probe-status:503@${t}`, TOGETHER_BASE_URL: `${fake}/together/v1/probe-status:404@${t}` });
    expect(await stub("groq").snapshot()).toMatchObject({ consecutiveFailures: 1, lastError: "probe: HTTP 503" });
    expect(await stub("together").snapshot()).toMatchObject({ consecutiveFailures: 0, lastError: null, misconfigured: false });
  });

  it("a probe answered with 401 is alive but reported misconfigured in /v1/health, with no key in sight", async () => {
    await stub("openrouter").recordFailure(Date.now(), "connect");
    await trigger({ OPENROUTER_API_KEY: "sk-wrong-key-0123456789" });
    const res = await call("/v1/health");
    const text = await res.text();
    const body = JSON.parse(text) as { status: string; providers: Record<string, { status: string; misconfigured: boolean; state: string; consecutive_failures: number; last_error: string | null }> };
    expect(body.providers.openrouter).toMatchObject({ status: "healthy", misconfigured: true, state: "closed", consecutive_failures: 0, last_error: "credentials rejected (HTTP 401)" });
    expect(body.status).toBe("degraded");
    expect(text).not.toContain("sk-wrong");
    // A clean answer clears it.
    await trigger();
    expect((await stub("openrouter").snapshot()).misconfigured).toBe(false);
  });

  it("sweeps every PROBE_INTERVAL_S inside the minute: 30 → two sweeps 30 s apart, 20 → three", async () => {
    const waits: number[] = [];
    const fakeWait = async (ms: number) => void waits.push(ms);
    const thirty = await runProbeSchedule({ ...env, PROBE_INTERVAL_S: "30", PROBE_TIMEOUT_MS: SWEEP_ENV.PROBE_TIMEOUT_MS } as unknown as Env, fakeWait);
    expect(thirty).toHaveLength(2);
    expect(waits).toEqual([30_000]);
    waits.length = 0;
    const twenty = await runProbeSchedule({ ...env, PROBE_INTERVAL_S: "20", PROBE_TIMEOUT_MS: SWEEP_ENV.PROBE_TIMEOUT_MS } as unknown as Env, fakeWait);
    expect(twenty).toHaveLength(3);
    expect(waits).toEqual([20_000, 20_000]);
    // Each sweep covers every configured provider once; kinds without an adapter are skipped, not failed.
    const first = thirty[0]!;
    expect(first.map((o) => o.provider).sort()).toEqual(CONFIGURED.map((p) => p.name).sort());
    for (const o of first) expect(o.outcome === "skipped").toBe(!PROBED.includes(o.provider));
    for (const p of OPENAI_KIND) expect(first.find((o) => o.provider === p)?.outcome).toBe("alive");
  });

  it("a probe that fails inside the router (our bug, not the network) is logged with its stack and charges no breaker", async () => {
    const adapter = adapterFor("openai")!;
    // The probe's own code throws, inside the same probeSafely every adapter's probe runs in.
    const spy = vi.spyOn(adapter, "probe").mockImplementation((_provider, signal) =>
      probeSafely(signal, async () => {
        throw new TypeError("probe bug");
      }),
    );
    let sweeps: Awaited<ReturnType<typeof runProbeSchedule>> = [];
    const logs = await captureLogs(async () => {
      sweeps = await runProbeSchedule({ ...env, ...SWEEP_ENV } as unknown as Env, async () => {});
    }).finally(() => spy.mockRestore());
    for (const p of OPENAI_KIND) {
      expect(sweeps[0]!.find((o) => o.provider === p)).toMatchObject({ outcome: "skipped" });
      expect(await stub(p).snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastCheck: null, lastError: null });
    }
    const bugs = logs.filter((l) => l.event === "probe.internal_error");
    expect(bugs.map((l) => l.provider).sort()).toEqual([...OPENAI_KIND].sort());
    expect(bugs[0]).toMatchObject({ level: "error", error: "TypeError: probe bug", stack: expect.stringContaining("probe bug") });
  });

  it("a sweep never throws: an invalid setting is logged, and the handler still resolves", async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    try {
      await expect(trigger({ PROBE_TIMEOUT_MS: "soon" })).resolves.toBeTypeOf("number");
    } finally {
      spy.mockRestore();
    }
    expect(errors.some((l) => l.includes("probe.sweep_failed") && l.includes("PROBE_TIMEOUT_MS"))).toBe(true);
  });
});

describe("health endpoints", () => {
  it("/v1/health lists every configured provider even before its first probe (as unknown), and needs a key", async () => {
    expect((await call("/v1/health", { key: null })).status).toBe(401);
    const res = await call("/v1/health");
    expect(res.status).toBe(200);
    const body = await res.json<{ status: string; providers: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(body.providers).sort()).toEqual(CONFIGURED.map((p) => p.name).sort());
    // Never checked (no probe, no request): unknown, not healthy (DESIGN.md § HTTP contract).
    expect(body.status).toBe("unknown");
    expect(body.providers.together).toMatchObject({
      status: "unknown",
      state: "closed",
      consecutive_failures: 0,
      last_error: null,
      last_check_unix: null,
      unhealthy_until_unix: null,
    });
    expect(body.providers.together).toHaveProperty("last_transition");
  });

  it("a closed breaker after one failure is still healthy; none healthy → unhealthy overall", async () => {
    await stub("groq").recordFailure(Date.now(), "timeout");
    let body = await (await call("/v1/health")).json<{ status: string; providers: Record<string, { status: string; consecutive_failures: number; last_error: string }> }>();
    expect(body.providers.groq).toMatchObject({ status: "healthy", consecutive_failures: 1, last_error: "timeout" });
    expect(body.status).toBe("healthy");
    for (const p of CONFIGURED) await stub(p.name).recordRateLimited(Date.now(), 60);
    body = await (await call("/v1/health")).json();
    expect(body.status).toBe("unhealthy");
  });

  it("/health is public and terse: statuses only, no error text", async () => {
    await stub("openai").recordSuccess(Date.now(), "probe");
    await stub("groq").recordFailure(Date.now(), "connect (connection failed)");
    await stub("groq").recordFailure(Date.now(), "connect (connection failed)");
    const res = await call("/health", { key: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { status: string; service: string; version: string; providers: Record<string, unknown> };
    expect(body).toMatchObject({ status: "degraded", service: "mana-llm" });
    expect(body.providers.groq).toEqual({ status: "unhealthy" });
    expect(body.providers.openai).toEqual({ status: "healthy" });
    expect(text).not.toContain("connect");
  });
});
