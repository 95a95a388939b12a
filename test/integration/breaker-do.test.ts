import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ProviderHealth } from "../../src/breaker/provider-health";
import { createBreakerGate, DO_DEADLINE_MS } from "../../src/breaker/view";
import { loadSettings, type Settings } from "../../src/config/settings";
import { systemClock, type Clock } from "../../src/lib/clock";
import { envVars } from "../../src/lib/env";
import { FakeClock } from "../helpers/fake-clock";
import { tag } from "../helpers/http";
import { captureLogs } from "../helpers/logs";

const T0 = 1_700_000_000_000;
const settings = loadSettings(envVars(env));
const stubFor = (name: string) => env.PROVIDER_HEALTH.getByName(name);
const fresh = () => `p-${tag()}`;

const logLines = captureLogs;

afterEach(() => vi.restoreAllMocks());

describe("ProviderHealth Durable Object", () => {
  it("knows its provider name and starts closed", async () => {
    const name = fresh();
    const snap = await stubFor(name).snapshot(T0);
    expect(snap).toMatchObject({ provider: name, state: "closed", consecutiveFailures: 0, lastError: null, lastCheck: null, unhealthyUntil: null, lastTransition: null });
  });

  it("opens on the second consecutive failure (env threshold 2, backoff 60 s) and denies until the window ends", async () => {
    const stub = stubFor(fresh());
    expect(await stub.recordFailure(T0, "http-5xx")).toMatchObject({ state: "closed", consecutiveFailures: 1 });
    expect(await stub.recordFailure(T0 + 10, "timeout")).toMatchObject({ state: "open", unhealthyUntil: T0 + 10 + 60_000 });
    expect((await stub.acquire(T0 + 59_000)).admitted).toBe(false);
    const snap = await stub.snapshot(T0 + 20);
    expect(snap).toMatchObject({ state: "open", consecutiveFailures: 2, lastError: "timeout", lastCheck: T0 + 10, unhealthyUntil: T0 + 60_010 });
    expect(snap.lastTransition).toEqual({ from: "closed", to: "open", at: T0 + 10, cause: "failures", source: "request" });
  });

  it("in half-open grants exactly one of many concurrent acquires; the trial's success closes it for everyone", async () => {
    const stub = stubFor(fresh());
    await stub.recordFailure(T0, "connect");
    await stub.recordFailure(T0, "connect");
    const after = T0 + 60_000;
    const answers = await Promise.all(Array.from({ length: 10 }, () => stub.acquire(after)));
    expect(answers.filter((a) => a.admitted)).toHaveLength(1);
    expect(answers.every((a) => a.state === "half-open")).toBe(true);
    expect(await stub.recordSuccess(after + 100)).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    const again = await Promise.all(Array.from({ length: 5 }, () => stub.acquire(after + 200)));
    expect(again.every((a) => a.admitted)).toBe(true);
  });

  it("a 429 opens for its Retry-After without counting, bounded and defaulted", async () => {
    const stub = stubFor(fresh());
    expect(await stub.recordRateLimited(T0, 4)).toMatchObject({ state: "open", unhealthyUntil: T0 + 4_000, consecutiveFailures: 0 });
    const other = stubFor(fresh());
    expect(await other.recordRateLimited(T0)).toMatchObject({ unhealthyUntil: T0 + 15_000 });
  });

  it("probe results: a failure is labelled as a probe's, a 401 answer is alive but misconfigured", async () => {
    const stub = stubFor(fresh());
    await stub.recordFailure(T0, "timeout (no answer within 3000 ms)", "probe");
    expect((await stub.snapshot(T0)).lastError).toBe("probe: timeout (no answer within 3000 ms)");
    await stub.recordSuccess(T0 + 1, "probe", { misconfigured: true, detail: "credentials rejected (HTTP 401)" });
    expect(await stub.snapshot(T0 + 1)).toMatchObject({ state: "closed", misconfigured: true, lastError: "credentials rejected (HTTP 401)" });
  });

  it("stores its state in SQLite: the table exists and holds one row", async () => {
    const stub = stubFor(fresh());
    await stub.recordFailure(T0, "connect");
    const rows = await runInDurableObject(stub, (_instance: ProviderHealth, state) => state.storage.sql.exec<{ id: number; state: string }>("SELECT id, state FROM breaker").toArray());
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.state)).toMatchObject({ mode: "closed", consecutiveFailures: 1, lastError: "connect" });
  });

  it("survives eviction: an open breaker is still open, with the same window, in the new instance", async () => {
    const name = fresh();
    const stub = stubFor(name);
    await stub.recordFailure(T0, "http-5xx");
    await stub.recordFailure(T0 + 1, "http-5xx");
    const before = await stub.snapshot(T0 + 2);
    const instanceBefore = await runInDurableObject(stub, (instance: ProviderHealth) => instance);
    await evictDurableObject(stub);
    const again = stubFor(name);
    const instanceAfter = await runInDurableObject(again, (instance: ProviderHealth) => instance);
    expect(instanceAfter).not.toBe(instanceBefore);
    expect(await again.snapshot(T0 + 2)).toEqual(before);
    expect((await again.acquire(T0 + 3)).admitted).toBe(false);
    // A trial permit granted before an eviction is still held after it.
    expect((await again.acquire(T0 + 60_001)).admitted).toBe(true);
    await evictDurableObject(again);
    expect((await stubFor(name).acquire(T0 + 60_002)).admitted).toBe(false);
  });

  it("logs each transition once as a structured line, not on every event", async () => {
    const stub = stubFor(fresh());
    const lines = await logLines(async () => {
      await stub.recordFailure(T0, "connect");
      await stub.recordFailure(T0, "connect"); // → open
      await stub.recordFailure(T0 + 1_000, "connect"); // refresh, no transition
      await stub.snapshot(T0 + 2_000);
      await stub.acquire(T0 + 61_000); // → half-open (and the trial)
      await stub.acquire(T0 + 61_001);
      await stub.snapshot(T0 + 61_002);
      await stub.recordSuccess(T0 + 61_500); // → closed
      await stub.recordSuccess(T0 + 62_000);
    });
    const transitions = lines.filter((l) => l.event === "breaker.transition").map((l) => `${l.from}->${l.to}:${l.cause}`);
    expect(transitions).toEqual(["closed->open:failures", "open->half-open:backoff-elapsed", "half-open->closed:success"]);
  });
});

/** A namespace that counts calls and can be told to misbehave, in front of the real one. */
function instrumented(mode: { kind: "real" } | { kind: "throw" } | { kind: "hang" } | { kind: "hold-failures" }) {
  const calls: string[] = [];
  // hold-failures: recordFailure reaches the DO only once release() is called.
  const held: (() => void)[] = [];
  const release = () => {
    for (const go of held.splice(0)) go();
  };
  const ns = {
    getByName(name: string) {
      const real = env.PROVIDER_HEALTH.getByName(name);
      const wrap =
        (op: "acquire" | "recordSuccess" | "recordFailure" | "recordRateLimited") =>
        (...args: unknown[]) => {
          calls.push(`${op}:${name}`);
          if (mode.kind === "throw") return Promise.reject(new Error("Durable Object reset"));
          if (mode.kind === "hang") return new Promise(() => {});
          const call = () => (real[op] as (...a: unknown[]) => Promise<unknown>)(...args);
          if (mode.kind === "hold-failures" && op === "recordFailure") return new Promise<void>((go) => held.push(go)).then(call);
          return call();
        };
      return { acquire: wrap("acquire"), recordSuccess: wrap("recordSuccess"), recordFailure: wrap("recordFailure"), recordRateLimited: wrap("recordRateLimited") };
    },
  };
  return { calls, release, env: { ...env, PROVIDER_HEALTH: ns } as unknown as Env };
}

function gate(e: Env, s: Settings = settings, clock?: Clock) {
  const background: Promise<unknown>[] = [];
  const g = createBreakerGate(e, s, (p) => void background.push(p), clock);
  return { gate: g, settle: () => Promise.all(background) };
}

describe("breaker view (isolate cache)", () => {
  it("a warm view answers from the isolate: one DO call per provider per cache period", async () => {
    const { calls, env: e } = instrumented({ kind: "real" });
    const { gate: g } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    for (let i = 0; i < 20; i++) expect(await g.admit(name)).toBe(true);
    expect(calls.filter((c) => c === `acquire:${name}`)).toHaveLength(1);
  });

  it("a cached verdict lasts BREAKER_CACHE_MS on the view's clock, not longer", async () => {
    const { calls, env: e } = instrumented({ kind: "real" });
    let now = Date.now();
    const { gate: g } = gate(e, { ...settings, breakerCacheMs: 1_000 }, { now: () => now, setTimer: systemClock.setTimer });
    const name = fresh();
    await g.admit(name);
    now += 999;
    await g.admit(name);
    expect(calls).toEqual([`acquire:${name}`]);
    now += 1;
    await g.admit(name);
    expect(calls).toEqual([`acquire:${name}`, `acquire:${name}`]);
  });

  it("with a zero cache period every admit asks the DO", async () => {
    const { calls, env: e } = instrumented({ kind: "real" });
    const { gate: g } = gate(e, { ...settings, breakerCacheMs: 0 });
    const name = fresh();
    for (let i = 0; i < 3; i++) await g.admit(name);
    expect(calls).toHaveLength(3);
  });

  it("successes on a healthy provider are written once per isolate (so it is no longer unknown), then not; failures are, and update the cache from the DO's answer", async () => {
    const { calls, env: e } = instrumented({ kind: "real" });
    const { gate: g, settle } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    await g.admit(name);
    g.report(name, { kind: "success" });
    g.report(name, { kind: "success" });
    g.report(name, { kind: "failure", reason: "http-5xx" });
    g.report(name, { kind: "failure", reason: "http-5xx" });
    await settle();
    expect(calls).toEqual([`acquire:${name}`, `recordSuccess:${name}`, `recordFailure:${name}`, `recordFailure:${name}`]);
    // The cache now says open: denied without another DO call.
    expect(await g.admit(name)).toBe(false);
    expect(calls).toHaveLength(4);
    expect((await stubFor(name).snapshot()).state).toBe("open");
  });

  it("the next admit waits for a failure report still on its way, so it sees the breaker open", async () => {
    const { env: e } = instrumented({ kind: "real" });
    const { gate: g } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    await g.admit(name);
    g.report(name, { kind: "failure", reason: "connect" });
    g.report(name, { kind: "failure", reason: "connect" });
    expect(await g.admit(name)).toBe(false);
  });

  it("a 429 report opens the provider for its Retry-After", async () => {
    const { env: e } = instrumented({ kind: "real" });
    const { gate: g, settle } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    g.report(name, { kind: "rate-limited", retryAfterS: 30 });
    await settle();
    expect(await g.admit(name)).toBe(false);
    expect((await stubFor(name).snapshot()).consecutiveFailures).toBe(0);
  });

  it("half-open: across isolates exactly one of many concurrent requests gets the trial; its success closes it for all", async () => {
    const name = fresh();
    const past = Date.now() - 61_000;
    await stubFor(name).recordFailure(past, "connect");
    await stubFor(name).recordFailure(past, "connect");
    // Three isolates (separate views), four requests each, all at once.
    const isolates = [instrumented({ kind: "real" }), instrumented({ kind: "real" }), instrumented({ kind: "real" })].map((i) => gate(i.env, { ...settings, breakerCacheMs: 60_000 }));
    const answers = await Promise.all(isolates.flatMap(({ gate: g }) => Array.from({ length: 4 }, () => g.admit(name))));
    expect(answers.filter(Boolean)).toHaveLength(1);
    const winner = isolates[Math.floor(answers.indexOf(true) / 4)]!;
    winner.gate.report(name, { kind: "success" });
    await winner.settle();
    expect(await winner.gate.admit(name)).toBe(true);
    // The others learn it from the DO once their cached verdict expires (here: a fresh view).
    const later = gate(instrumented({ kind: "real" }).env, { ...settings, breakerCacheMs: 60_000 });
    expect(await later.gate.admit(name)).toBe(true);
  });

  it("a DO that throws fails open, and says so in the log", async () => {
    const { env: e } = instrumented({ kind: "throw" });
    const { gate: g, settle } = gate(e);
    let admitted: boolean | undefined;
    const lines = await logLines(async () => {
      admitted = await g.admit("groq");
      g.report("groq", { kind: "failure", reason: "timeout" });
      await settle();
    });
    expect(admitted).toBe(true);
    const unreachable = lines.filter((l) => l.event === "breaker.unreachable");
    expect(unreachable.map((l) => l.op)).toEqual(["acquire", "report:failure"]);
    expect(unreachable[0]).toMatchObject({ provider: "groq", fail_open: true });
  });

  it("a DO that does not answer fails open after the deadline, once per cache period", async () => {
    const { calls, env: e } = instrumented({ kind: "hang" });
    const { gate: g } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    const started = Date.now();
    const lines = await logLines(async () => {
      expect(await g.admit(name)).toBe(true);
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(DO_DEADLINE_MS - 5);
    expect(lines.some((l) => l.event === "breaker.unreachable" && l.provider === name)).toBe(true);
    expect(await g.admit(name)).toBe(true);
    expect(calls).toHaveLength(1);
  });
});

describe("breaker view: failure reports coalesced per provider", () => {
  const many = { ...settings, breakerCacheMs: 60_000, breakerFailureThreshold: 50 };

  it("failures reported while one write is in flight ride on it as one follow-up write", async () => {
    const { calls, release, env: e } = instrumented({ kind: "hold-failures" });
    const { gate: g, settle } = gate(e, many);
    const name = fresh();
    await g.admit(name);
    for (let i = 0; i < 5; i++) g.report(name, { kind: "failure", reason: "connect" });
    await vi.waitFor(() => expect(calls.filter((c) => c === `recordFailure:${name}`)).toHaveLength(1));
    release();
    await vi.waitFor(() => expect(calls.filter((c) => c === `recordFailure:${name}`)).toHaveLength(2));
    release();
    await settle();
    expect(calls.filter((c) => c === `recordFailure:${name}`)).toHaveLength(2);
    expect(await stubFor(name).snapshot()).toMatchObject({ consecutiveFailures: 2 });
  });

  /** Two failures reported on a fresh provider while the first write is held: the first write is out, the second owed. */
  async function twoFailuresWhileHeld(s: Settings, clock: FakeClock) {
    const { calls, release, env: e } = instrumented({ kind: "hold-failures" });
    const { gate: g, settle } = gate(e, s, clock);
    const name = fresh();
    const written = () => calls.filter((c) => c === `recordFailure:${name}`).length;
    await g.admit(name);
    g.report(name, { kind: "failure", reason: "connect" });
    g.report(name, { kind: "failure", reason: "connect" });
    await vi.waitFor(() => expect(written()).toBe(1));
    release();
    return { g, settle, release, name, written };
  }

  it("a follow-up that cannot open the breaker waits out the write interval; failures meanwhile join it", async () => {
    const clock = new FakeClock(Date.now());
    const { g, settle, release, name, written } = await twoFailuresWhileHeld(many, clock);
    // The follow-up waits for the clock: none is sent, however long real time runs, until it moves.
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    g.report(name, { kind: "failure", reason: "connect" });
    expect(written()).toBe(1);
    expect(clock.fireNext()).toBe(true);
    await vi.waitFor(() => expect(written()).toBe(2));
    release();
    await settle();
    expect(written()).toBe(2);
  });

  it("a follow-up that could open the breaker is written at once", async () => {
    // A clock whose timers only fire when told: the follow-up must not need one.
    const { settle, release, name, written } = await twoFailuresWhileHeld({ ...many, breakerFailureThreshold: 2 }, new FakeClock(Date.now()));
    await vi.waitFor(() => expect(written()).toBe(2));
    release();
    await settle();
    expect(await stubFor(name).snapshot()).toMatchObject({ state: "open", consecutiveFailures: 2 });
  });

  it("admit does not wait for a failure write that cannot open the breaker", async () => {
    const { release, env: e } = instrumented({ kind: "hold-failures" });
    // A clock whose timers never fire: an admit that waited for the held write would never answer.
    const { gate: g, settle } = gate(e, many, new FakeClock(Date.now()));
    const name = fresh();
    await g.admit(name);
    g.report(name, { kind: "failure", reason: "connect" });
    let answer: boolean | undefined;
    void g.admit(name).then((a) => (answer = a));
    await vi.waitFor(() => expect(answer).toBe(true));
    release();
    await settle();
  });

  it("writes nothing for a provider this isolate knows is open", async () => {
    const { calls, env: e } = instrumented({ kind: "real" });
    const { gate: g, settle } = gate(e, { ...settings, breakerCacheMs: 60_000 });
    const name = fresh();
    await g.admit(name);
    for (let i = 0; i < settings.breakerFailureThreshold; i++) {
      g.report(name, { kind: "failure", reason: "connect" });
      await settle();
    }
    expect(await g.admit(name)).toBe(false);
    const writes = calls.filter((c) => c === `recordFailure:${name}`).length;
    g.report(name, { kind: "failure", reason: "connect" });
    await settle();
    expect(calls.filter((c) => c === `recordFailure:${name}`)).toHaveLength(writes);
  });
});
