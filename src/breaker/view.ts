/**
 * The isolate's view of the breakers: each provider's last verdict is cached for
 * BREAKER_CACHE_MS so the steady-state request path pays no Durable Object round trip.
 * Only a half-open provider (or an expired cache entry) asks the DO synchronously, and a DO
 * that does not answer within DO_DEADLINE_MS is treated as closed (fail open), and logged.
 */
import type { Settings } from "../config/settings";
import { systemClock, type Clock } from "../lib/clock";
import { withDeadline } from "../lib/deadline";
import { isolateCache } from "../lib/isolate-cache";
import { log } from "../lib/log";
import type { BreakerGate, BreakerOutcome } from "./gate";
import type { GpuState } from "./gpu-state";
import { gpuGate } from "./gpu-view";
import type { BreakerSnapshot, GateVerdict } from "./provider-health";
import type { BreakerVerdict } from "./state";

/** How long the request path waits for a breaker DO before failing open. */
export const DO_DEADLINE_MS = 50;

interface Cached {
  verdict: BreakerVerdict;
  /** When the call that produced it was issued: an older answer never overwrites a newer one. */
  issuedAt: number;
  /** The GPU facts that came with the last acquire (loaded models, warm-ups). */
  gpu?: GpuState;
}

interface Pending {
  task: Promise<void>;
  /** Whether its answer could turn the next admit's from the cached one (else admit need not wait). */
  mayChange(): boolean;
}

/**
 * The least time between two failure writes for one provider when the later one cannot open its
 * breaker (issue 10: a refused primary behind a high threshold otherwise wrote once per DO round
 * trip, ≈ 0.1 ms of CPU per request). The breaker's count lags by at most this much.
 */
const FAILURE_WRITE_INTERVAL_MS = 10;

const pause = (clock: Clock, ms: number) => new Promise<void>((resolve) => void clock.setTimer(resolve, ms));

/** The one failure write in flight per provider: failures reported meanwhile ride on it. */
interface FailureWrite {
  /** Writes still to answer: this one, plus one follow-up when a failure was reported meanwhile. */
  remaining: number;
  /** The reason of the latest failure reported while this one was in flight, for the follow-up. */
  owed: string | undefined;
}

interface IsolateView {
  verdicts: Map<string, Cached>;
  /** Reports still on their way to the DO (state-changing ones only): the next admit may wait for them. */
  pending: Map<string, Pending>;
  failing: Map<string, FailureWrite>;
  /** Providers whose success this isolate has already written once. */
  seenSuccess: Set<string>;
}

type HealthNamespace = Env["PROVIDER_HEALTH"];

// Per isolate, keyed by the binding so separate environments (tests) never share verdicts.
const views = isolateCache((_: HealthNamespace): IsolateView => ({ verdicts: new Map(), pending: new Map(), failing: new Map(), seenSuccess: new Set() }));

/** Drops this isolate's cached verdicts (tests that rewrite a DO's state behind the view's back). */
export function forgetBreakerView(ns: HealthNamespace): void {
  views.forget(ns);
}

type LocalDecision = "admit" | "deny" | "ask";

/** What a cached verdict allows without asking the DO. Pure. */
export function decideLocally(cached: Cached | undefined, now: number, cacheMs: number): LocalDecision {
  if (!cached || now - cached.issuedAt >= cacheMs) return "ask";
  const v = cached.verdict;
  if (v.state === "closed") return "admit";
  if (v.state === "open" && v.unhealthyUntil !== null && now < v.unhealthyUntil) return "deny";
  // Half-open with someone else's trial still running: only that trial may pass.
  if (v.state === "half-open" && v.trialUntil !== null && now < v.trialUntil) return "deny";
  return "ask";
}

export function createBreakerGate(env: Env, settings: Settings, waitUntil: (p: Promise<unknown>) => void, clock: Clock = systemClock): BreakerGate {
  const ns = env.PROVIDER_HEALTH;
  const view = views.get(ns);
  const cacheMs = settings.breakerCacheMs;

  const remember = (provider: string, verdict: BreakerVerdict | GateVerdict, issuedAt: number) => {
    const prev = view.verdicts.get(provider);
    if (prev && prev.issuedAt > issuedAt) return;
    const gpu = "gpu" in verdict ? verdict.gpu : prev?.gpu;
    // A trial permit belongs to the request that got it, not to the isolate.
    view.verdicts.set(provider, { verdict: { ...verdict, admitted: false }, issuedAt, ...(gpu ? { gpu } : {}) });
  };
  const gpuCache = {
    get: (provider: string) => view.verdicts.get(provider)?.gpu,
    set(provider: string, gpu: GpuState) {
      const cached = view.verdicts.get(provider);
      if (cached) cached.gpu = gpu;
    },
  };

  const failOpen = (provider: string, op: string, err: unknown, issuedAt: number) => {
    log("warn", "breaker.unreachable", { provider, op, fail_open: true, error: err instanceof Error ? err.message : String(err) });
    // Cache the fail-open verdict too, so an unreachable DO costs one deadline per TTL, not per request.
    remember(provider, { state: "closed", admitted: false, unhealthyUntil: null, trialUntil: null, consecutiveFailures: 0 }, issuedAt);
  };

  return {
    ...gpuGate(ns, gpuCache, settings, waitUntil, clock),

    async admit(provider) {
      const pending = view.pending.get(provider);
      if (pending?.mayChange()) await withDeadline(pending.task, DO_DEADLINE_MS, clock).catch(() => {});
      const now = clock.now();
      const local = decideLocally(view.verdicts.get(provider), now, cacheMs);
      if (local !== "ask") return local === "admit";

      const call = (async () => ns.getByName(provider).acquire(now))();
      // A late answer still refreshes the cache (the caller has already failed open by then).
      const settled = call.then((v) => remember(provider, v, now));
      waitUntil(settled.catch(() => {}));
      try {
        const verdict = await withDeadline(call, DO_DEADLINE_MS, clock);
        remember(provider, verdict, now);
        return verdict.admitted;
      } catch (err) {
        failOpen(provider, "acquire", err, now);
        return true;
      }
    },

    reopensAt(provider) {
      const v = view.verdicts.get(provider)?.verdict;
      if (!v || v.state === "closed") return undefined;
      // Half-open already: only the running trial blocks, so the next request may get through.
      return v.state === "open" && v.unhealthyUntil !== null ? v.unhealthyUntil : clock.now();
    },

    report(provider, outcome) {
      const now = clock.now();
      const cached = view.verdicts.get(provider);
      // A success on a healthy provider changes nothing: skip the write (the common case).
      // The first success per provider and isolate is written all the same, so a provider that has
      // answered a request is no longer reported `unknown` (never checked) by the health pages.
      if (outcome.kind === "success" && view.seenSuccess.has(provider) && decideLocally(cached, now, cacheMs) === "admit" && cached!.verdict.consecutiveFailures === 0) return;
      if (outcome.kind === "success") view.seenSuccess.add(provider);
      if (outcome.kind === "failure") return reportFailure(provider, outcome.reason, now);
      // A success can only change an admit when the breaker is not closed; a 429 opens it.
      const mayChange = () => outcome.kind !== "success" || view.verdicts.get(provider)?.verdict.state !== "closed";
      track(provider, write(provider, outcome, now), mayChange);
    },
  };

  function write(provider: string, outcome: BreakerOutcome, now: number): Promise<void> {
    return (async () => {
      try {
        remember(provider, await send(ns, provider, outcome, now), now);
      } catch (err) {
        log("warn", "breaker.unreachable", { provider, op: `report:${outcome.kind}`, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  }

  function track(provider: string, task: Promise<void>, mayChange: () => boolean): void {
    view.pending.set(provider, { task, mayChange });
    void task.finally(() => {
      if (view.pending.get(provider)?.task === task) view.pending.delete(provider);
    });
    waitUntil(task);
  }

  /**
   * Failures are coalesced per provider (DESIGN.md § Cost per request): none is written for a
   * provider known open, and while one write is in flight, later failures become one
   * follow-up write on the same task, not a write each.
   */
  function reportFailure(provider: string, reason: string, now: number): void {
    const cached = view.verdicts.get(provider);
    if (cached?.verdict.state === "open" && decideLocally(cached, now, cacheMs) === "deny") return;
    const inFlight = view.failing.get(provider);
    if (inFlight) {
      if (inFlight.owed === undefined) inFlight.remaining++;
      inFlight.owed = reason;
      return;
    }
    const w: FailureWrite = { remaining: 1, owed: undefined };
    view.failing.set(provider, w);
    // Still closed after every write on its way (as this isolate counts): the admit's answer stands.
    const mayChange = () => {
      const c = view.verdicts.get(provider)?.verdict;
      return c?.state !== "closed" || c.consecutiveFailures + w.remaining >= settings.breakerFailureThreshold;
    };
    const task = (async () => {
      let next: string | undefined = reason;
      let at = now;
      while (next !== undefined) {
        await write(provider, { kind: "failure", reason: next }, at);
        w.remaining--;
        // A follow-up that cannot open the breaker waits out the interval (failures meanwhile join it);
        // one that could goes at once, so the breaker opens as soon as it would have.
        if (w.owed !== undefined && !mayChange()) await pause(clock, at + FAILURE_WRITE_INTERVAL_MS - clock.now());
        next = w.owed;
        w.owed = undefined;
        at = clock.now();
      }
      view.failing.delete(provider);
    })();
    track(provider, task, mayChange);
  }
}

function send(ns: HealthNamespace, provider: string, outcome: BreakerOutcome, now: number): Promise<BreakerVerdict> {
  const stub = ns.getByName(provider);
  switch (outcome.kind) {
    case "success":
      return Promise.resolve(stub.recordSuccess(now, "request"));
    case "failure":
      return Promise.resolve(stub.recordFailure(now, outcome.reason, "request"));
    case "rate-limited":
      return Promise.resolve(stub.recordRateLimited(now, outcome.retryAfterS, "request"));
  }
}

/** How old a snapshot the public /health may serve (issue 14 point 4). */
export const SNAPSHOT_CACHE_MS = 1_000;

interface CachedSnapshot {
  at: number;
  /** While the read is on its way: concurrent callers share it. */
  read: Promise<BreakerSnapshot>;
  /** Once settled: later callers get the value, not another request's promise. */
  settled?: { ok: true; value: BreakerSnapshot } | { ok: false; error: unknown };
}

// Per isolate and binding, like the verdicts: anonymous traffic shares one read per provider per period.
const snapshots = isolateCache((_: HealthNamespace): Map<string, CachedSnapshot> => new Map());

/** Drops this isolate's cached snapshots (tests). */
export function forgetSnapshotCache(ns: HealthNamespace): void {
  snapshots.forget(ns);
}

/**
 * A provider's breaker snapshot at most `maxAgeMs` old on the caller's clock: concurrent
 * callers share one DO read, and a failed read is kept for the period too, so a broken DO
 * costs one call per period, not one per anonymous request.
 */
export function cachedSnapshot(ns: HealthNamespace, provider: string, now: number, maxAgeMs = SNAPSHOT_CACHE_MS): Promise<BreakerSnapshot> {
  const cache = snapshots.get(ns);
  const hit = cache.get(provider);
  if (hit && now - hit.at < maxAgeMs && now >= hit.at) {
    if (!hit.settled) return hit.read;
    return hit.settled.ok ? Promise.resolve(hit.settled.value) : Promise.reject(hit.settled.error);
  }
  const entry: CachedSnapshot = { at: now, read: Promise.resolve().then(() => ns.getByName(provider).snapshot(now) as Promise<BreakerSnapshot>) };
  entry.read.then(
    (value) => (entry.settled = { ok: true, value }),
    (error: unknown) => (entry.settled = { ok: false, error }),
  );
  cache.set(provider, entry);
  return entry.read;
}
