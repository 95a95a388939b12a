/**
 * The chain walk (DESIGN.md § Request path 3–8): skip what cannot answer, call the rest in
 * order, classify each failure, retry once where that helps, and end with the first answer
 * or an error that lists every attempt.
 */
import type { ChainEntry } from "../config/aliases";
import type { Settings } from "../config/settings";
import type { BreakerGate } from "../breaker/gate";
import { RATE_LIMIT_DEFAULT_S, RATE_LIMIT_MAX_S } from "../breaker/state";
import type { Clock } from "../lib/clock";
import { ApiError, type Attempt } from "../openai/errors";
import type { ChatRequest } from "../openai/schemas";
import { describeFailure, UpstreamError, type UpstreamFailure } from "../providers/failures";
import { upstreamFailureOf } from "../providers/http";
import { adapterFor } from "../providers/registry";
import type { ProviderAdapter, ProviderConfig } from "../providers/types";
import { headerSafe } from "../lib/header-value";
import { log } from "../lib/log";
import { attemptChat, type AttemptResult } from "./attempt";
import { classifyFailure } from "./classify";
import type { ResolvedChain } from "./resolve";
import { redactSecrets } from "../lib/redact";
import { gpuAdmission, hasLaterEntry, type GpuCandidate } from "./gpu-admission";
import type { WalkObserver } from "./observer";

export interface WalkContext {
  settings: Settings;
  providers: ReadonlyMap<string, ProviderConfig>;
  gate: BreakerGate;
  requestId: string;
  /** Epoch ms when the whole request must be done (REQUEST_TIMEOUT_MS from arrival). */
  deadline: number;
  /** Aborted when the client goes away or the budget is spent. */
  signal: AbortSignal;
  clock: Clock;
  /** Told every skip, call, failure and answer (metrics). */
  observe: WalkObserver;
  /** Runs `release` once the request's answer is over (sent whole, or its stream ended). */
  hold(release: () => void): void;
}

/** Wait after the finish chunk for a trailing usage chunk before calling a stream complete. */
const FINISH_GRACE_MS = 250;

/** A usable entry: configured here, with an adapter, able to serve this request. */
interface Candidate extends GpuCandidate {
  entry: ChainEntry;
  provider: ProviderConfig;
  adapter: ProviderAdapter;
}

/** Pre-call skips that need no I/O; returns the candidate or records why not. */
function prepareEntry(entry: ChainEntry, ctx: WalkContext, attempts: Attempt[], capable: (a: ProviderAdapter) => string | undefined): Candidate | undefined {
  const provider = ctx.providers.get(entry.provider);
  const adapter = provider ? adapterFor(provider.kind) : undefined;
  if (!provider?.configured || !adapter) {
    attempts.push({
      model: entry.id,
      reason: "unconfigured",
      detail: !provider ? `unknown provider ${entry.provider}` : !adapter ? `no adapter for kind ${provider.kind}` : `no key configured for ${entry.provider}`,
    });
    return undefined;
  }
  const why = capable(adapter);
  if (why) {
    attempts.push({ model: entry.id, reason: "incapable", detail: why });
    return undefined;
  }
  return { entry, provider, adapter, cold: false };
}

export interface Walked<T> {
  value: T;
  entry: ChainEntry;
  provider: ProviderConfig;
  attempts: Attempt[];
}

export interface WalkSteps<T> {
  /** Why this entry must not be used for this request (no I/O), or undefined. */
  skip?(entry: ChainEntry): Attempt["reason"] | undefined;
  /** Why this entry's adapter cannot serve the request, or undefined. */
  capable(adapter: ProviderAdapter, entry: ChainEntry): string | undefined;
  /** One upstream call; throws UpstreamError. */
  call(candidate: Candidate): Promise<T>;
}

/** The walk itself, shared by chat and embeddings. */
export async function walkChain<T>(ctx: WalkContext, chain: ResolvedChain, steps: WalkSteps<T>): Promise<Walked<T>> {
  const attempts: Attempt[] = [];
  for (const [index, entry] of chain.entries.entries()) {
    if (ctx.clock.now() >= ctx.deadline) break;
    const skipped = steps.skip?.(entry);
    if (skipped) {
      attempts.push({ model: entry.id, reason: skipped });
      ctx.observe.failed(entry, skipped);
      continue;
    }
    const candidate = prepareEntry(entry, ctx, attempts, (a) => steps.capable(a, entry));
    if (!candidate) {
      ctx.observe.failed(entry, attempts.at(-1)!.reason);
      continue;
    }
    if (!(await ctx.gate.admit(candidate.provider.name))) {
      const retryAt = ctx.gate.reopensAt(candidate.provider.name);
      attempts.push({ model: entry.id, reason: "cache-unhealthy", detail: "circuit breaker open", ...(retryAt === undefined ? {} : { retryAt }) });
      ctx.observe.failed(entry, "cache-unhealthy");
      continue;
    }
    const lease = await gpuAdmission(ctx, candidate, attempts, () => hasLaterEntry(ctx.providers, chain, index, steps.skip));
    if (lease === null) continue;
    let held = false;
    try {
      for (let retry = 0; ; retry++) {
        ctx.observe.calling(entry);
        try {
          const value = await steps.call(candidate);
          ctx.gate.report(candidate.provider.name, { kind: "success" });
          if (candidate.cold) ctx.gate.loaded(candidate.provider.name, entry.model);
          ctx.observe.answered(chain, entry, attempts);
          // A stream keeps its slot until it ends or the client leaves.
          if (lease) ctx.hold(() => lease.release());
          held = true;
          return { value, entry, provider: candidate.provider, attempts };
        } catch (err) {
          if (ctx.signal.aborted && !(ctx.signal.reason instanceof UpstreamError)) throw ctx.signal.reason;
          const upstream = upstreamFailureOf(err, ctx.signal);
          // Not an upstream failure: our own bug. 500 internal_error, logged with its stack; no breaker hears it.
          if (!upstream) throw err;
          const failure = redactFailure(upstream.failure, candidate.provider);
          const decision = classifyFailure(failure, candidate.provider.name);
          log("warn", "upstream.failed", { request_id: ctx.requestId, model: entry.id, failure: describeFailure(failure), attempt: retry + 1 });
          // Not retryable: the caller's problem (or ours, for credentials); the breaker is untouched.
          if (decision.action === "return") throw withAttempts(decision.error, attempts, entry);
          // A model still loading is slow, not broken.
          const loading = candidate.cold && failure.kind === "timeout" && failure.phase === "first-byte";
          if (decision.breaker && !loading) ctx.gate.report(candidate.provider.name, decision.breaker);
          ctx.observe.failed(entry, decision.reason);
          const remaining = ctx.deadline - ctx.clock.now();
          // A retry is a new call the breaker must admit again: a failed half-open trial has re-opened it. (A short
          // 429's retry is the exception: its own rate-limit window opened the breaker, and the retry waits it out.)
          const admitted = () => failure.kind === "rate-limited" || ctx.gate.admit(candidate.provider.name);
          if (decision.retrySame && retry === 0 && decision.retryDelayMs < remaining - 50 && (await admitted())) {
            if (decision.retryDelayMs > 0) await sleep(decision.retryDelayMs, ctx.signal, ctx.clock);
            continue;
          }
          const retryAt = failure.kind === "rate-limited" ? ctx.clock.now() + rateLimitWindowS(failure.retryAfterS) * 1000 : undefined;
          attempts.push({ model: entry.id, reason: decision.reason, detail: describeFailure(failure), ...(retryAt === undefined ? {} : { retryAt }) });
          break;
        }
      }
    } finally {
      if (!held) lease?.release();
    }
  }
  throw exhausted(ctx, chain, attempts);
}

/** `incapable` adds a request-wide reason an entry cannot serve (a resume's prefill). */
export async function walkChat(
  ctx: WalkContext,
  chain: ResolvedChain,
  request: ChatRequest,
  mode: "stream" | "aggregate",
  incapable?: (entry: ChainEntry) => string | undefined,
): Promise<Walked<AttemptResult>> {
  return walkChain(ctx, chain, {
    capable: (adapter, entry) => incapable?.(entry) ?? adapter.incapable(request, entry.model),
    call: (candidate) =>
      attemptChat(
        {
          ...candidate,
          request,
          parent: ctx.signal,
          clocks: {
            firstByteMs: candidate.cold ? ctx.settings.ollamaLoadTimeoutMs : ctx.settings.firstByteTimeoutMs,
            idleMs: ctx.settings.streamIdleTimeoutMs,
            requestDeadline: ctx.deadline,
            finishGraceMs: FINISH_GRACE_MS,
            clock: ctx.clock,
          },
          onMalformed: (detail) => malformedEvent(ctx, candidate.entry, detail),
        },
        mode,
      ),
  });
}

/** Every entry was skipped or failed: say exactly why, entry by entry. */
function exhausted(ctx: Pick<WalkContext, "clock" | "deadline" | "settings">, chain: ResolvedChain, attempts: Attempt[]): ApiError {
  const label = chain.alias ?? chain.entries[0]?.id ?? "model";
  const summary = attempts.map((a) => `${a.model}: ${a.detail ?? a.reason}`).join("; ");
  const headers = attemptsHeader(attempts);
  if (ctx.clock.now() >= ctx.deadline) {
    return new ApiError(504, `No answer for ${label} within REQUEST_TIMEOUT_MS (${ctx.settings.requestTimeoutMs} ms). Attempts: ${summary || "none"}`, {
      type: "timeout_error",
      code: "upstream_timeout",
      attempts,
      headers,
    });
  }
  if (attempts.length > 0 && attempts.every((a) => a.reason === "incapable")) {
    return new ApiError(400, `No entry of ${label} can serve this request: ${summary}`, { code: "unsupported_capability", attempts, headers });
  }
  // As OpenAI answers an unknown model: 404, which SDKs do not retry (a 503 they would).
  if (attempts.length > 0 && attempts.every((a) => a.reason === "model-not-found")) {
    return new ApiError(404, `The model ${label} does not exist on any provider that was asked: ${summary}`, {
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
      attempts,
      headers,
    });
  }
  const retryAfter = { "Retry-After": String(retryAfterS(attempts, ctx.clock.now())) };
  const skipped: readonly Attempt["reason"][] = ["unconfigured", "incapable", "cache-unhealthy", "at-capacity", "cold"];
  const called = attempts.filter((a) => !skipped.includes(a.reason));
  if (called.length > 0 && called.every((a) => a.reason === "rate-limited")) {
    return new ApiError(429, `Every provider for ${label} is rate limiting: ${summary}`, { type: "rate_limit_error", code: "rate_limited", attempts, headers: { ...headers, ...retryAfter } });
  }
  return new ApiError(503, `No healthy provider could answer ${label}. Attempts: ${summary || "none"}`, {
    type: "no_healthy_provider",
    code: "no_healthy_provider",
    attempts,
    headers: { ...headers, ...retryAfter },
  });
}

/** Seconds until the earliest attempt may answer again (a breaker half-opens, a rate limit ends); at least 1. */
function retryAfterS(attempts: readonly Attempt[], now: number): number {
  const times = attempts.flatMap((a) => (a.retryAt === undefined ? [] : [a.retryAt]));
  return times.length === 0 ? 1 : Math.max(1, Math.ceil((Math.min(...times) - now) / 1000));
}

/** How long a 429 keeps its provider away: the breaker's bounds for an upstream Retry-After. */
function rateLimitWindowS(retryAfter: number | undefined): number {
  if (retryAfter === undefined || !Number.isFinite(retryAfter)) return RATE_LIMIT_DEFAULT_S;
  return Math.min(RATE_LIMIT_MAX_S, Math.max(1, Math.ceil(retryAfter)));
}

export function attemptsHeader(attempts: readonly Attempt[]): Record<string, string> {
  return attempts.length ? { "X-Mana-LLM-Attempts": attempts.map((a) => `${headerSafe(a.model)}=${a.reason}`).join(", ") } : {};
}

/** Who answered; the id percent-encoded where it is not plain header text (lib/header-value.ts). */
export function resolvedHeader(entry: ChainEntry): Record<string, string> {
  return { "X-Mana-LLM-Resolved": headerSafe(entry.id) };
}

function withAttempts(error: ApiError, attempts: Attempt[], entry: ChainEntry): ApiError {
  const headers = { ...attemptsHeader(attempts), ...resolvedHeader(entry) };
  return new ApiError(error.status, error.message, { type: error.type, code: error.code, param: error.param, headers });
}

function redactFailure(f: UpstreamFailure, provider: ProviderConfig): UpstreamFailure {
  if (!("message" in f)) return f;
  return { ...f, message: redactSecrets(f.message, provider) };
}

function malformedEvent(ctx: WalkContext, entry: ChainEntry, detail: string): void {
  log("warn", "upstream.malformed_event", { request_id: ctx.requestId, model: entry.id, detail });
  ctx.observe.malformed(entry);
}

function sleep(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      cancel();
      resolve();
    };
    const cancel = clock.setTimer(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
