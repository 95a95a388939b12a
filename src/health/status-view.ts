/**
 * What the operator status page shows (DESIGN.md § Operator surfaces), as plain data: every
 * alias with its chain, each entry marked by its provider's state, and the entry that would
 * answer right now. Pure: the route reads the breakers and the metrics and hands them in.
 */
import type { RouterConfig } from "../config/aliases";
import type { ProviderConfig } from "../providers/types";
import type { HealthReport, ProviderHealthView } from "./report";

type EntryState = "not-configured" | "closed" | "open" | "half-open" | "unknown";

export interface EntryStatus {
  id: string;
  provider: string;
  state: EntryState;
  /** The provider's health status (unknown: never checked, or its breaker did not answer). */
  health: ProviderHealthView["status"] | "not-configured";
  misconfigured: boolean;
  consecutiveFailures: number;
  /** Already redacted by the caller's `redact`. */
  lastError: string | null;
  lastCheckMs: number | null;
  /** Open: when a trial is next allowed. */
  reopensAtMs: number | null;
  /** Where the provider has a concurrency limit and the health view reports it. */
  capacity: { inFlight: number; max: number } | null;
  /** The first configured entry whose breaker admits a request. */
  answering: boolean;
}

export interface AliasStatus {
  name: string;
  description: string;
  isDefault: boolean;
  entries: EntryStatus[];
  /** Answers by entry, from mana_llm_alias_resolved_total: more than the first entry's means fallbacks. */
  resolved: { target: string; count: number }[];
  /** mana_llm_fallback_total rows whose from_model is in this chain. */
  fallbacks: { from: string; to: string; reason: string; count: number }[];
}

export interface FallbackCounts {
  resolved: { alias: string; target: string; count: number }[];
  fallbacks: { from: string; to: string; reason: string; count: number }[];
}

/** Would a request be admitted now? Closed and half-open (a trial) do; open does not; unknown fails open, as the gate does. */
const admits = (s: EntryState) => s === "closed" || s === "half-open" || s === "unknown";

export function buildStatusView(
  config: RouterConfig,
  providers: ReadonlyMap<string, ProviderConfig>,
  health: HealthReport,
  metrics: FallbackCounts | null,
  redact: (text: string, provider: string) => string,
): AliasStatus[] {
  return [...config.aliases.values()].map((alias) => {
    let answered = false;
    const entries = alias.chain.map((e): EntryStatus => {
      const configured = providers.get(e.provider)?.configured === true;
      const h = configured ? health.providers[e.provider] : undefined;
      const state: EntryState = !configured ? "not-configured" : !h || h.state === "unknown" ? "unknown" : h.state;
      const answering = configured && !answered && admits(state);
      if (answering) answered = true;
      return {
        id: e.id,
        provider: e.provider,
        state,
        health: configured ? (h?.status ?? "unknown") : "not-configured",
        misconfigured: h?.misconfigured ?? false,
        consecutiveFailures: h?.consecutive_failures ?? 0,
        lastError: h?.last_error ? redact(h.last_error, e.provider) : null,
        lastCheckMs: h?.last_check_unix == null ? null : h.last_check_unix * 1000,
        reopensAtMs: state === "open" && h?.unhealthy_until_unix != null ? h.unhealthy_until_unix * 1000 : null,
        capacity: capacityOf(h),
        answering,
      };
    });
    const ids = new Set(alias.chain.map((e) => e.id));
    return {
      name: alias.name,
      description: alias.description,
      isDefault: alias.name === config.defaultAlias,
      entries,
      resolved: (metrics?.resolved ?? []).filter((r) => r.alias === alias.name).map(({ target, count }) => ({ target, count })),
      fallbacks: (metrics?.fallbacks ?? []).filter((f) => ids.has(f.from)),
    };
  });
}

/** Capacity in use (DESIGN.md § The local GPU), for providers with a max_concurrent. */
function capacityOf(h: ProviderHealthView | undefined): EntryStatus["capacity"] {
  if (typeof h?.in_flight === "number" && typeof h.max_concurrent === "number") return { inFlight: h.in_flight, max: h.max_concurrent };
  return null;
}
