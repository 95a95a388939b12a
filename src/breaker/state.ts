/**
 * The circuit breaker of one provider as a pure function `(state, event, now) → state`
 * (DESIGN.md § Circuit breaker). No runtime imports and no hidden clock: the Durable
 * Object stores and serves this, tests drive it with a fake clock. Error text kept in the
 * state is shown by /v1/health, so it goes through the one redactor.
 */
import { redactSecrets } from "../lib/redact";

export type BreakerMode = "closed" | "open" | "half-open";

/** Who produced an outcome: live traffic, the probe sweep, or the clock alone. */
export type BreakerSource = "request" | "probe" | "time" | "operator";

export type TransitionCause =
  /** The consecutive-failure threshold was reached. */
  | "failures"
  /** A failure while half-open (the trial, a probe, or a late request). */
  | "trial-failed"
  | "rate-limited"
  | "backoff-elapsed"
  | "success"
  | "reset";

export interface BreakerTransition {
  from: BreakerMode;
  to: BreakerMode;
  /** Epoch milliseconds. */
  at: number;
  cause: TransitionCause;
  source: BreakerSource;
}

export interface BreakerState {
  mode: BreakerMode;
  consecutiveFailures: number;
  /** Short, secret-free reason of the last failure (or misconfiguration), null once healthy again. */
  lastError: string | null;
  /** Epoch ms of the last recorded outcome (request or probe). */
  lastCheck: number | null;
  /** Epoch ms when the current (or last) open window ends. */
  unhealthyUntil: number | null;
  /** Half-open only: the outstanding trial permit's expiry; null when the permit is free. */
  trialUntil: number | null;
  /** The last probe was answered with 401/403: alive, but our credentials are wrong. */
  misconfigured: boolean;
  lastTransition: BreakerTransition | null;
}

export interface BreakerPolicy {
  failureThreshold: number;
  backoffMs: number;
  /** A trial that never reports back frees its permit after this long. */
  trialTtlMs: number;
  rateLimitDefaultS: number;
  rateLimitMaxS: number;
}

export type BreakerEvent =
  /** A request asks to be let through. */
  | { type: "acquire" }
  | { type: "success"; source: BreakerSource; misconfigured?: boolean; detail?: string }
  | { type: "failure"; source: BreakerSource; reason: string }
  | { type: "rate-limited"; source: BreakerSource; retryAfterS?: number }
  /** Only lets time pass (open → half-open, expired trial permits). */
  | { type: "tick" }
  | { type: "reset"; source: BreakerSource };

export interface BreakerStep {
  state: BreakerState;
  /** acquire only: this caller may call the provider (closed, or it got the trial permit). */
  admitted: boolean;
  /** Transitions this step caused, in order; each is logged exactly once by the caller. */
  transitions: BreakerTransition[];
}

/** What an isolate needs to decide locally until its cached copy expires. */
export interface BreakerVerdict {
  state: BreakerMode;
  admitted: boolean;
  unhealthyUntil: number | null;
  trialUntil: number | null;
  consecutiveFailures: number;
}

/** Trial permits outlive the first-byte timeout by this much before they are reclaimed. */
export const TRIAL_MARGIN_MS = 5_000;
export const RATE_LIMIT_DEFAULT_S = 15;
/** A Retry-After beyond this is not believed: a typo upstream must not disable a provider for a day. */
export const RATE_LIMIT_MAX_S = 300;

export function breakerPolicy(s: { breakerFailureThreshold: number; breakerBackoffS: number; firstByteTimeoutMs: number }): BreakerPolicy {
  return {
    failureThreshold: s.breakerFailureThreshold,
    backoffMs: s.breakerBackoffS * 1000,
    trialTtlMs: s.firstByteTimeoutMs + TRIAL_MARGIN_MS,
    rateLimitDefaultS: RATE_LIMIT_DEFAULT_S,
    rateLimitMaxS: RATE_LIMIT_MAX_S,
  };
}

export function initialBreakerState(): BreakerState {
  return {
    mode: "closed",
    consecutiveFailures: 0,
    lastError: null,
    lastCheck: null,
    unhealthyUntil: null,
    trialUntil: null,
    misconfigured: false,
    lastTransition: null,
  };
}

export function step(state: BreakerState, event: BreakerEvent, now: number, policy: BreakerPolicy): BreakerStep {
  const transitions: BreakerTransition[] = [];
  const move = (s: BreakerState, to: BreakerMode, cause: TransitionCause, source: BreakerSource): BreakerState => {
    const t: BreakerTransition = { from: s.mode, to, at: now, cause, source };
    transitions.push(t);
    return { ...s, mode: to, lastTransition: t };
  };

  // Time first: an elapsed window becomes half-open, an abandoned trial frees its permit.
  let s = state;
  if (s.mode === "open" && (s.unhealthyUntil === null || now >= s.unhealthyUntil)) {
    s = move({ ...s, trialUntil: null }, "half-open", "backoff-elapsed", "time");
  }
  if (s.mode === "half-open" && s.trialUntil !== null && now >= s.trialUntil) s = { ...s, trialUntil: null };

  let admitted = false;
  switch (event.type) {
    case "tick":
      break;

    case "acquire":
      if (s.mode === "closed") admitted = true;
      else if (s.mode === "half-open" && s.trialUntil === null) {
        s = { ...s, trialUntil: now + policy.trialTtlMs };
        admitted = true;
      }
      break;

    case "success": {
      // The provider answered: whatever the state, it is closed and fully reset.
      const misconfigured = event.misconfigured === true;
      const base: BreakerState = {
        ...s,
        consecutiveFailures: 0,
        lastError: misconfigured ? redactSecrets(event.detail ?? "credentials rejected") : null,
        lastCheck: now,
        unhealthyUntil: null,
        trialUntil: null,
        // Only a probe can tell whether our credentials work; a request success proves they do.
        misconfigured: event.source === "probe" ? misconfigured : false,
      };
      s = s.mode === "closed" ? base : move(base, "closed", "success", event.source);
      break;
    }

    case "failure": {
      const failures = s.consecutiveFailures + 1;
      const base: BreakerState = { ...s, consecutiveFailures: failures, lastError: redactSecrets(event.reason), lastCheck: now };
      if (s.mode === "closed") {
        s = failures >= policy.failureThreshold ? move({ ...base, unhealthyUntil: now + policy.backoffMs }, "open", "failures", event.source) : base;
      } else if (s.mode === "open") {
        // Refresh, never shorten: a longer rate-limit window stays.
        s = { ...base, unhealthyUntil: Math.max(s.unhealthyUntil ?? 0, now + policy.backoffMs) };
      } else {
        s = move({ ...base, unhealthyUntil: now + policy.backoffMs, trialUntil: null }, "open", "trial-failed", event.source);
      }
      break;
    }

    case "rate-limited": {
      const seconds = boundedRetryAfter(event.retryAfterS, policy);
      const until = now + seconds * 1000;
      // Not an outage: the failure count is left as it is.
      const base: BreakerState = { ...s, lastError: `rate-limited (retry after ${seconds}s)`, lastCheck: now };
      if (s.mode === "open") s = { ...base, unhealthyUntil: Math.max(s.unhealthyUntil ?? 0, until) };
      else s = move({ ...base, unhealthyUntil: until, trialUntil: null }, "open", "rate-limited", event.source);
      break;
    }

    case "reset": {
      const fresh = { ...initialBreakerState(), lastTransition: s.lastTransition };
      s = s.mode === "closed" ? fresh : move({ ...fresh, mode: s.mode }, "closed", "reset", event.source);
      break;
    }
  }
  return { state: s, admitted, transitions };
}

/** The state as seen at `now`, for an isolate cache (never mutates; `admitted` is false). */
export function verdictOf(state: BreakerState, now: number, policy: BreakerPolicy, admitted = false): BreakerVerdict {
  const s = step(state, { type: "tick" }, now, policy).state;
  return { state: s.mode, admitted, unhealthyUntil: s.unhealthyUntil, trialUntil: s.trialUntil, consecutiveFailures: s.consecutiveFailures };
}

export function boundedRetryAfter(retryAfterS: number | undefined, policy: BreakerPolicy): number {
  if (retryAfterS === undefined || !Number.isFinite(retryAfterS)) return policy.rateLimitDefaultS;
  return Math.min(policy.rateLimitMaxS, Math.max(1, Math.ceil(retryAfterS)));
}

/** Rebuilds a state read back from storage; anything unreadable starts over closed. */
export function reviveBreakerState(raw: unknown): BreakerState {
  const init = initialBreakerState();
  if (typeof raw !== "object" || raw === null) return init;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const mode = r.mode === "open" || r.mode === "half-open" || r.mode === "closed" ? r.mode : init.mode;
  return {
    mode,
    consecutiveFailures: num(r.consecutiveFailures) ?? 0,
    lastError: typeof r.lastError === "string" ? r.lastError : null,
    lastCheck: num(r.lastCheck),
    unhealthyUntil: num(r.unhealthyUntil),
    trialUntil: num(r.trialUntil),
    misconfigured: r.misconfigured === true,
    lastTransition: reviveTransition(r.lastTransition),
  };
}

function reviveTransition(raw: unknown): BreakerTransition | null {
  if (typeof raw !== "object" || raw === null) return null;
  const t = raw as Record<string, unknown>;
  const modes: readonly unknown[] = ["closed", "open", "half-open"];
  if (!modes.includes(t.from) || !modes.includes(t.to) || typeof t.at !== "number" || typeof t.cause !== "string" || typeof t.source !== "string") return null;
  return t as unknown as BreakerTransition;
}
