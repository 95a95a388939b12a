/**
 * The public /health from the isolate's cached breaker view (issue 14 point 4), and
 * providers never checked reported as `unknown` (issue 13; DESIGN.md § HTTP contract).
 */
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { cachedSnapshot, SNAPSHOT_CACHE_MS } from "../../src/breaker/view";
import { bundledConfig } from "../../src/config/bundled";
import { loadProviders } from "../../src/config/settings";
import { overallStatus } from "../../src/health/report";
import { envVars } from "../../src/lib/env";
import { call, tag } from "../helpers/http";

const CONFIGURED = [...loadProviders(envVars(env), bundledConfig()).values()].filter((p) => p.configured).map((p) => p.name);
const stub = (name: string) => env.PROVIDER_HEALTH.getByName(name);

/** PROVIDER_HEALTH with every snapshot read counted per provider (a fresh binding: a fresh isolate cache). */
function countingHealth(mode: "real" | "throw" = "real") {
  const reads = new Map<string, number>();
  const ns = {
    getByName(name: string) {
      const real = env.PROVIDER_HEALTH.getByName(name);
      return {
        snapshot(now?: number) {
          reads.set(name, (reads.get(name) ?? 0) + 1);
          if (mode === "throw") return Promise.reject(new Error("Durable Object reset"));
          return real.snapshot(now);
        },
        transitionCounts: () => real.transitionCounts(),
      };
    },
  } as unknown as Env["PROVIDER_HEALTH"];
  return { reads, ns, total: () => [...reads.values()].reduce((a, b) => a + b, 0) };
}

async function fetchWith(e: Env, path: string, key: string | null = null): Promise<Response> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return worker.fetch(new Request(`http://router.test${path}`, { headers }) as Request<unknown, IncomingRequestCfProperties>, e, createExecutionContext());
}

beforeEach(async () => {
  await Promise.all(CONFIGURED.map((p) => stub(p).reset(Date.now())));
});

describe("cached breaker snapshots (the isolate's read side)", () => {
  it("1,000 reads at one instant cost one DO read per provider; the next one waits for SNAPSHOT_CACHE_MS on the caller's clock", async () => {
    const { reads, ns } = countingHealth();
    const names = [`a-${tag()}`, `b-${tag()}`];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => cachedSnapshot(ns, names[i % 2]!, t0)));
    expect(Object.fromEntries(reads)).toEqual({ [names[0]!]: 1, [names[1]!]: 1 });
    await cachedSnapshot(ns, names[0]!, t0 + SNAPSHOT_CACHE_MS - 1);
    expect(reads.get(names[0]!)).toBe(1);
    await cachedSnapshot(ns, names[0]!, t0 + SNAPSHOT_CACHE_MS);
    expect(reads.get(names[0]!)).toBe(2);
    expect(reads.get(names[1]!)).toBe(1);
  });

  it("a snapshot is at most SNAPSHOT_CACHE_MS old: a change shows once the period is over", async () => {
    const { ns } = countingHealth();
    const name = `c-${tag()}`;
    const t0 = Date.now();
    expect((await cachedSnapshot(ns, name, t0)).state).toBe("closed");
    await stub(name).recordFailure(t0, "connect");
    await stub(name).recordFailure(t0, "connect");
    expect((await cachedSnapshot(ns, name, t0 + 10)).state).toBe("closed");
    expect((await cachedSnapshot(ns, name, t0 + SNAPSHOT_CACHE_MS)).state).toBe("open");
  });

  it("a DO that throws is asked once per period, not once per caller", async () => {
    const { reads, ns } = countingHealth("throw");
    const name = `d-${tag()}`;
    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => cachedSnapshot(ns, name, t0)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    await expect(cachedSnapshot(ns, name, t0 + 1)).rejects.toThrow("Durable Object reset");
    expect(reads.get(name)).toBe(1);
  });
});

describe("GET /health through the Worker", () => {
  it("1,000 anonymous requests cause at most one DO read per provider per second", async () => {
    const { reads, ns, total } = countingHealth();
    const e = { ...env, PROVIDER_HEALTH: ns } as Env;
    const started = Date.now();
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => fetchWith(e, "/health")));
      expect(answers.every((r) => r.status === 200)).toBe(true);
    }
    // Each provider may be read once per started second of the run, and no more.
    const seconds = Math.floor((Date.now() - started) / SNAPSHOT_CACHE_MS) + 1;
    expect([...reads.keys()].sort()).toEqual([...CONFIGURED].sort());
    for (const name of CONFIGURED) expect(reads.get(name)).toBeLessThanOrEqual(seconds);
    expect(total()).toBeLessThan(1000);
  });

  it("/v1/health (a key) still reads every breaker live", async () => {
    const { reads, ns } = countingHealth();
    const e = { ...env, PROVIDER_HEALTH: ns } as Env;
    for (let i = 0; i < 3; i++) expect((await fetchWith(e, "/v1/health", "test-key")).status).toBe(200);
    for (const name of CONFIGURED) expect(reads.get(name)).toBe(3);
  });
});

describe("providers never checked are unknown (issue 13)", () => {
  it("before any probe or request: every provider unknown, and the overall status unknown, on /v1/health and /health", async () => {
    const v1 = await (await call("/v1/health")).json<{ status: string; providers: Record<string, { status: string; last_check_unix: number | null }> }>();
    expect(v1.status).toBe("unknown");
    for (const name of CONFIGURED) expect(v1.providers[name]).toMatchObject({ status: "unknown", last_check_unix: null });
    const pub = await fetchWith({ ...env, PROVIDER_HEALTH: countingHealth().ns } as Env, "/health");
    const body = await pub.json<{ status: string; providers: Record<string, { status: string }> }>();
    expect(body.status).toBe("unknown");
    expect(body.providers.ollama).toEqual({ status: "unknown" });
  });

  it("once one provider is checked the overall status is computed over the known ones only", async () => {
    await stub("groq").recordSuccess(Date.now(), "probe");
    let v1 = await (await call("/v1/health")).json<{ status: string; providers: Record<string, { status: string }> }>();
    expect(v1.providers.groq!.status).toBe("healthy");
    expect(v1.providers.openai!.status).toBe("unknown");
    expect(v1.status).toBe("healthy");
    await stub("openai").recordFailure(Date.now(), "connect");
    await stub("openai").recordFailure(Date.now(), "connect");
    v1 = await (await call("/v1/health")).json();
    expect(v1.providers.openai!.status).toBe("unhealthy");
    expect(v1.status).toBe("degraded");
  });

  it("overallStatus: unknowns are left out; a misconfigured provider is known but not healthy", () => {
    const p = (status: "healthy" | "unhealthy" | "unknown", misconfigured = false) => ({ status, misconfigured });
    expect(overallStatus([])).toBe("unknown");
    expect(overallStatus([p("unknown"), p("unknown")])).toBe("unknown");
    expect(overallStatus([p("unknown"), p("healthy")])).toBe("healthy");
    expect(overallStatus([p("unknown"), p("unhealthy")])).toBe("unhealthy");
    expect(overallStatus([p("healthy"), p("unhealthy"), p("unknown")])).toBe("degraded");
    expect(overallStatus([p("healthy", true)])).toBe("unhealthy");
  });
});
