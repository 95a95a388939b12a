/**
 * What the router does with each typed failure (DESIGN.md § Request path 4): before the
 * commit point (fall back, retry or return) and after it (end the stream). Pure.
 */
import { ApiError, type AttemptReason } from "../openai/errors";
import type { BreakerOutcome } from "../breaker/gate";
import type { UpstreamFailure } from "../providers/failures";

/** A same-entry retry after a 429 only when the wait is this short. */
const MAX_RETRY_AFTER_S = 2;

export type Decision =
  /** Record and go on to the next entry (optionally one same-entry retry first). */
  | { action: "next"; reason: AttemptReason; retrySame: boolean; retryDelayMs: number; breaker?: BreakerOutcome }
  /** Answer the client with this error at once. */
  | { action: "return"; error: ApiError };

export function classifyFailure(f: UpstreamFailure, providerName: string): Decision {
  const failure = (reason: AttemptReason): BreakerOutcome => ({ kind: "failure", reason });
  switch (f.kind) {
    case "connect":
      return { action: "next", reason: "connect", retrySame: f.reset, retryDelayMs: 0, breaker: failure("connect") };
    case "timeout":
      // Never retry a silent route: it only doubles the wait.
      return { action: "next", reason: "timeout", retrySame: false, retryDelayMs: 0, breaker: failure("timeout") };
    case "malformed":
      return { action: "next", reason: "malformed", retrySame: false, retryDelayMs: 0, breaker: failure("malformed") };
    case "stream-error":
      return { action: "next", reason: "stream-error", retrySame: false, retryDelayMs: 0, breaker: failure("stream-error") };
    case "rate-limited": {
      const short = f.retryAfterS !== undefined && f.retryAfterS <= MAX_RETRY_AFTER_S;
      return {
        action: "next",
        reason: "rate-limited",
        retrySame: short,
        retryDelayMs: short ? Math.round(f.retryAfterS! * 1000) : 0,
        breaker: { kind: "rate-limited", retryAfterS: f.retryAfterS },
      };
    }
    case "model-not-found":
      return { action: "next", reason: "model-not-found", retrySame: false, retryDelayMs: 0 };
    case "context-length":
      return { action: "next", reason: "context-length", retrySame: false, retryDelayMs: 0 };
    case "incapable":
      return { action: "next", reason: "incapable", retrySame: false, retryDelayMs: 0 };
    case "http":
      if (f.status >= 500) return { action: "next", reason: "http-5xx", retrySame: true, retryDelayMs: 0, breaker: failure("http-5xx") };
      return {
        action: "return",
        error: new ApiError(f.status === 413 || f.status === 422 ? f.status : 400, `Upstream ${providerName} rejected the request: ${f.message}`, {
          type: "invalid_request_error",
          code: f.code ?? "upstream_bad_request",
          param: f.param ?? null,
        }),
      };
    case "auth":
      return {
        action: "return",
        error: new ApiError(502, `Provider ${providerName} rejected the router's credentials (HTTP ${f.status}). The router's key for it needs fixing; this is not a problem with your request.`, {
          type: "upstream_error",
          code: "upstream_auth",
        }),
      };
    case "blocked":
      return {
        action: "return",
        error: new ApiError(422, `Provider ${providerName} blocked the content: ${f.message}${f.categories.length ? ` (categories: ${f.categories.join(", ")})` : ""}`, {
          type: "content_blocked",
          code: "content_blocked",
        }),
      };
  }
}

/** What a failure after the commit point means: nothing can fall back any more. */
export interface Interruption {
  /** What the breaker and the metrics hear; none for blocked content (not the provider's fault). */
  reason?: "timeout" | "stream-error";
  /** The error event that ends the client's stream. */
  error: ApiError;
}

/** The same failure vocabulary, after commit: one error event, no `[DONE]`. `detail` is already redacted. */
export function classifyInterruption(f: UpstreamFailure, model: string, detail: string): Interruption {
  const reason = f.kind === "blocked" ? undefined : f.kind === "timeout" ? "timeout" : "stream-error";
  const code = f.kind === "timeout" ? "upstream_timeout" : f.kind === "blocked" ? "content_blocked" : "upstream_stream_error";
  const error = new ApiError(502, `The answer from ${model} was interrupted: ${detail}. The response is incomplete.`, { type: "upstream_error", code });
  return reason ? { reason, error } : { error };
}
