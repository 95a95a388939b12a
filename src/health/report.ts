/**
 * The health report of /v1/health, /health and the /metrics gauges: every configured
 * provider's breaker, read from its Durable Object.
 */
import type { BreakerSnapshot } from "../breaker/provider-health";
import { cachedSnapshot } from "../breaker/view";
import { withDeadline } from "../lib/deadline";
import { log } from "../lib/log";
import type { ProviderConfig } from "../providers/types";

/** DESIGN.md's healthy|unhealthy, plus unknown: never checked yet (no probe, no request), or the breaker cannot be read. */
type ProviderStatus = "healthy" | "unhealthy" | "unknown";
/** Over the known providers; unknown when none is known yet. */
export type OverallStatus = "healthy" | "degraded" | "unhealthy" | "unknown";

export interface ProviderHealthView {
  status: ProviderStatus;
  /** Answered 401/403: alive (not an outage, the breaker stays closed) but our credentials are wrong. */
  misconfigured: boolean;
  state: BreakerSnapshot["state"] | "unknown";
  consecutive_failures: number;
  last_error: string | null;
  last_check_unix: number | null;
  unhealthy_until_unix: number | null;
  last_transition: { from: string; to: string; at_unix: number; cause: string; source: string } | null;
  /** Limited providers and Ollama: requests holding a capacity lease now. */
  in_flight?: number;
  /** Its max_concurrent; null when unlimited. */
  max_concurrent?: number | null;
  /** Ollama: models in memory at the last look; null when never looked. */
  loaded_models?: string[] | null;
}

export interface HealthReport {
  status: OverallStatus;
  providers: Record<string, ProviderHealthView>;
}

/** A health page waits this long for a breaker before listing the provider as unknown. */
const SNAPSHOT_DEADLINE_MS = 1_000;

const unix = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/**
 * A closed breaker is healthy even after one failure; a 401/403 probe is flagged
 * misconfigured, not down; a breaker that never heard of its provider (lastCheck null) is
 * unknown, not healthy — nothing has shown that the provider answers.
 */
export function providerView(s: BreakerSnapshot, provider?: ProviderConfig): ProviderHealthView {
  return {
    ...gpuView(s, provider),
    status: s.lastCheck === null && s.state === "closed" ? "unknown" : s.state === "closed" ? "healthy" : "unhealthy",
    misconfigured: s.misconfigured,
    state: s.state,
    consecutive_failures: s.consecutiveFailures,
    last_error: s.lastError,
    last_check_unix: unix(s.lastCheck),
    unhealthy_until_unix: s.state === "closed" ? null : unix(s.unhealthyUntil),
    last_transition: s.lastTransition
      ? { from: s.lastTransition.from, to: s.lastTransition.to, at_unix: unix(s.lastTransition.at)!, cause: s.lastTransition.cause, source: s.lastTransition.source }
      : null,
  };
}

/** The local GPU's side of a provider (DESIGN.md § The local GPU): capacity, and Ollama's memory. */
function gpuView(s: BreakerSnapshot, provider: ProviderConfig | undefined): Pick<ProviderHealthView, "in_flight" | "max_concurrent" | "loaded_models"> {
  const ollama = provider?.kind === "ollama";
  if (!ollama && !provider?.maxConcurrent) return {};
  return {
    in_flight: s.inFlight,
    max_concurrent: provider?.maxConcurrent ?? null,
    ...(ollama ? { loaded_models: s.loadedModels } : {}),
  };
}

/**
 * Over the known providers: healthy when every one is, unhealthy when none is, degraded
 * otherwise; unknown when none is known yet. A misconfigured provider cannot serve
 * requests, so it does not count as healthy here.
 */
export function overallStatus(providers: readonly Pick<ProviderHealthView, "status" | "misconfigured">[]): OverallStatus {
  const known = providers.filter((p) => p.status !== "unknown");
  if (known.length === 0) return "unknown";
  const healthy = known.filter((p) => p.status === "healthy" && !p.misconfigured).length;
  if (healthy === 0) return "unhealthy";
  return healthy === known.length ? "healthy" : "degraded";
}

export interface HealthReadOptions {
  /**
   * Serve the isolate's cached snapshots (at most SNAPSHOT_CACHE_MS old) instead of asking
   * every DO: the public /health, so anonymous traffic cannot multiply into DO requests.
   */
  cached?: boolean;
}

/** Every configured provider, from its Durable Object, including those never probed yet. */
export async function collectHealth(env: Env, providers: ReadonlyMap<string, ProviderConfig>, now: number, opts: HealthReadOptions = {}): Promise<HealthReport> {
  const configured = [...providers.values()].filter((p) => p.configured).map((p) => p.name);
  const read = (name: string): Promise<BreakerSnapshot> =>
    opts.cached ? cachedSnapshot(env.PROVIDER_HEALTH, name, now) : Promise.resolve().then(() => env.PROVIDER_HEALTH.getByName(name).snapshot(now) as Promise<BreakerSnapshot>);
  const snapshots = await Promise.allSettled(configured.map((name) => withDeadline(read(name), SNAPSHOT_DEADLINE_MS)));
  const out: Record<string, ProviderHealthView> = {};
  snapshots.forEach((r, i) => {
    const name = configured[i]!;
    if (r.status === "fulfilled") {
      out[name] = providerView(r.value, providers.get(name));
      return;
    }
    log("warn", "breaker.unreachable", { provider: name, op: "snapshot", error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
    out[name] = {
      status: "unknown",
      misconfigured: false,
      state: "unknown",
      consecutive_failures: 0,
      last_error: "breaker state unavailable",
      last_check_unix: null,
      unhealthy_until_unix: null,
      last_transition: null,
    };
  });
  return { status: overallStatus(Object.values(out)), providers: out };
}
