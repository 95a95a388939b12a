/**
 * One circuit breaker per provider (`PROVIDER_HEALTH.getByName(provider)`): stores the pure
 * state machine of ./state.ts in SQLite so it survives eviction, and serves it over RPC.
 * Every method takes `now` from the caller so tests control time.
 */
import { DurableObject } from "cloudflare:workers";
import { loadSettings } from "../config/settings";
import { envVars } from "../lib/env";
import { initInsideGate } from "../lib/do-init";
import { log } from "../lib/log";
import { GpuStore, type GpuState, type LeaseGrant } from "./gpu-state";
import {
  breakerPolicy,
  initialBreakerState,
  reviveBreakerState,
  step,
  type BreakerEvent,
  type BreakerMode,
  type BreakerPolicy,
  type BreakerSource,
  type BreakerState,
  type BreakerTransition,
  type BreakerVerdict,
} from "./state";

/** Everything /v1/health shows about one provider. */
export interface BreakerSnapshot {
  provider: string;
  state: BreakerMode;
  consecutiveFailures: number;
  lastError: string | null;
  lastCheck: number | null;
  unhealthyUntil: number | null;
  misconfigured: boolean;
  lastTransition: BreakerTransition | null;
  /** Unexpired capacity leases. */
  inFlight: number;
  /** Models in memory at the last look; null when never looked (not Ollama, or never probed). */
  loadedModels: string[] | null;
}

/** A breaker verdict plus the GPU facts the isolate caches with it. */
export interface GateVerdict extends BreakerVerdict {
  gpu: GpuState;
}

/** How often the breaker went from one state to another, ever (the /metrics counter). */
export interface TransitionCount {
  from: BreakerMode;
  to: BreakerMode;
  count: number;
}

export interface ProbeSuccess {
  misconfigured?: boolean;
  detail?: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS breaker (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
)`;

const TRANSITIONS_SCHEMA = `CREATE TABLE IF NOT EXISTS transitions (
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (from_state, to_state)
)`;

export class ProviderHealth extends DurableObject<Env> {
  private schemaReady = false;
  private policy: BreakerPolicy | undefined;
  /** The breaker state as stored (see load). */
  private current: { state: BreakerState; text: string } | undefined;
  private readonly gpu: GpuStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.gpu = new GpuStore(ctx.storage.sql);
    initInsideGate(ctx, () => this.ensureSchema(), "breaker.init_failed", { provider: this.provider });
  }

  /** A request asks to call the provider; in half-open exactly one caller gets the trial permit. */
  acquire(now: number): GateVerdict {
    const verdict = this.apply({ type: "acquire" }, now);
    return { ...verdict, gpu: this.gpu.state(now) };
  }

  /** A capacity slot (DESIGN.md § The local GPU): granted while fewer than `max` unexpired leases are out. */
  acquireLease(now: number, max: number, ttlMs: number): LeaseGrant {
    this.ensureSchema();
    return this.gpu.acquireLease(now, max, ttlMs);
  }

  releaseLease(id: string): void {
    this.ensureSchema();
    this.gpu.releaseLease(id);
  }

  /** True when the caller must run the one warm-up of `model` (none running, not loaded). */
  acquireWarmup(model: string, now: number, ttlMs: number): boolean {
    this.ensureSchema();
    return this.gpu.acquireWarmup(model, now, ttlMs);
  }

  finishWarmup(model: string, now: number, loaded: boolean): void {
    this.ensureSchema();
    this.gpu.finishWarmup(model, now, loaded);
  }

  /** The probe sweep's reading of the models in memory (null: it could not tell). */
  recordLoadedModels(models: string[] | null, now: number): void {
    this.ensureSchema();
    this.gpu.recordLoadedModels(models, now);
  }

  recordSuccess(now: number, source: BreakerSource = "request", probe: ProbeSuccess = {}): BreakerVerdict {
    return this.apply({ type: "success", source, misconfigured: probe.misconfigured, detail: probe.detail }, now);
  }

  recordFailure(now: number, reason: string, source: BreakerSource = "request"): BreakerVerdict {
    return this.apply({ type: "failure", source, reason: source === "probe" ? `probe: ${reason}` : reason }, now);
  }

  recordRateLimited(now: number, retryAfterS?: number, source: BreakerSource = "request"): BreakerVerdict {
    return this.apply({ type: "rate-limited", source, retryAfterS }, now);
  }

  /** Forgets everything (operator action, and tests that reuse a provider's breaker). */
  reset(now: number): BreakerVerdict {
    return this.apply({ type: "reset", source: "operator" }, now);
  }

  snapshot(now: number = Date.now()): BreakerSnapshot {
    const s = this.advance({ type: "tick" }, now).state;
    const gpu = this.gpu.state(now);
    return {
      provider: this.provider,
      state: s.mode,
      consecutiveFailures: s.consecutiveFailures,
      lastError: s.lastError,
      lastCheck: s.lastCheck,
      unhealthyUntil: s.unhealthyUntil,
      misconfigured: s.misconfigured,
      lastTransition: s.lastTransition,
      inFlight: this.gpu.inFlight(now),
      loadedModels: gpu.loadedModels,
    };
  }

  transitionCounts(): TransitionCount[] {
    this.ensureSchema();
    return this.ctx.storage.sql
      .exec<{ from_state: BreakerMode; to_state: BreakerMode; count: number }>("SELECT from_state, to_state, count FROM transitions ORDER BY from_state, to_state")
      .toArray()
      .map((r) => ({ from: r.from_state, to: r.to_state, count: r.count }));
  }

  private get provider(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  private apply(event: BreakerEvent, now: number): BreakerVerdict {
    const { state, admitted } = this.advance(event, now);
    return { state: state.mode, admitted, unhealthyUntil: state.unhealthyUntil, trialUntil: state.trialUntil, consecutiveFailures: state.consecutiveFailures };
  }

  /** Read, step, write back only what changed, and log each transition once. No await: atomic. */
  private advance(event: BreakerEvent, now: number): { state: BreakerState; admitted: boolean } {
    if (typeof now !== "number" || !Number.isFinite(now)) throw new TypeError("now must be epoch milliseconds");
    this.ensureSchema();
    const before = this.load();
    const result = step(before.state, event, now, this.getPolicy());
    const text = JSON.stringify(result.state);
    if (text !== before.text) this.store(result.state, text, now);
    for (const t of result.transitions) {
      this.ctx.storage.sql.exec("INSERT INTO transitions (from_state, to_state, count) VALUES (?, ?, 1) ON CONFLICT (from_state, to_state) DO UPDATE SET count = count + 1", t.from, t.to);
      log(t.to === "closed" ? "info" : "warn", "breaker.transition", {
        provider: this.provider,
        from: t.from,
        to: t.to,
        cause: t.cause,
        source: t.source,
        consecutive_failures: result.state.consecutiveFailures,
        last_error: result.state.lastError,
        unhealthy_until: result.state.unhealthyUntil === null ? null : new Date(result.state.unhealthyUntil).toISOString(),
      });
    }
    return { state: result.state, admitted: result.admitted };
  }

  private ensureSchema(): void {
    if (this.schemaReady) return;
    this.ctx.storage.sql.exec(SCHEMA);
    this.ctx.storage.sql.exec(TRANSITIONS_SCHEMA);
    this.gpu.createSchema();
    this.schemaReady = true;
  }

  private getPolicy(): BreakerPolicy {
    this.policy ??= breakerPolicy(loadSettings(envVars(this.env)));
    return this.policy;
  }

  /**
   * The state and its stored text. An instance is the only writer of its storage, so after
   * the first read the copy in memory is the state (write-through; issue 10: no SELECT and
   * parse per report).
   */
  private load(): { state: BreakerState; text: string } {
    if (this.current) return this.current;
    const row = this.ctx.storage.sql.exec<{ state: string }>("SELECT state FROM breaker WHERE id = 1").toArray()[0];
    let state = initialBreakerState();
    if (row) {
      try {
        state = reviveBreakerState(JSON.parse(row.state));
      } catch {
        log("error", "breaker.state_unreadable", { provider: this.provider });
      }
    }
    this.current = { state, text: row?.state ?? JSON.stringify(state) };
    return this.current;
  }

  private store(state: BreakerState, text: string, now: number): void {
    this.ctx.storage.sql.exec("INSERT INTO breaker (id, state, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at", text, now);
    this.current = { state, text };
  }
}
