/**
 * The one place adapters call `fetch`, and the helpers every adapter shares: network
 * failures become typed UpstreamErrors, stream reads keep that vocabulary, probes answer
 * in the sweep's words.
 */
import { UpstreamError, type UpstreamFailure } from "./failures";
import type { ProbeResult } from "./types";

export async function upstreamFetch(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw asUpstreamError(err, init.signal);
  }
}

/** Maps anything thrown while talking to an upstream onto the failure vocabulary. */
export function asUpstreamError(err: unknown, signal: AbortSignal): UpstreamError {
  if (err instanceof UpstreamError) return err;
  // The router aborts with a typed reason (timeout, client gone); prefer it over the fetch error.
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  if (signal.aborted) return new UpstreamError({ kind: "timeout", phase: "total" });
  const message = err instanceof Error ? err.message : String(err);
  const reset = /reset|lost|closed|disconnect|EPIPE|terminated/i.test(message);
  // workerd reports a refused connection and a reset alike ("Network connection lost").
  return new UpstreamError({ kind: "connect", reset, message: reset ? "connection refused or lost" : "connection failed" });
}

/** A read failing mid-stream (abort, reset) surfaces as the typed failure, never a bare Error. */
export async function* guardStream<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw asUpstreamError(err, signal);
  }
}

/** Reads an error body defensively (bounded, never throws). */
export async function readErrorBody(res: Response, limit = 16_384): Promise<string> {
  try {
    const text = await res.text();
    return text.length > limit ? text.slice(0, limit) : text;
  } catch {
    return "";
  }
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Any answer below 500 is alive; rejected credentials are alive but misconfigured. */
export function probeResultFromStatus(status: number): ProbeResult {
  if (status >= 500) return { alive: false, status, error: `HTTP ${status}` };
  if (status === 401 || status === 403) return { alive: true, status, misconfigured: true, error: `credentials rejected (HTTP ${status})` };
  return { alive: true, status };
}

/**
 * Runs a probe's request so that it resolves for every answer and every network failure.
 * The one rejection is the caller's own abort: the caller set that deadline and names it
 * in its own words (health/sweep.ts: "timeout (no answer within … ms)").
 */
export async function probeSafely(signal: AbortSignal, run: () => Promise<ProbeResult>): Promise<ProbeResult> {
  try {
    return await run();
  } catch (err) {
    const failed = asUpstreamError(err, signal);
    if (signal.aborted) throw failed;
    return { alive: false, error: probeFailureText(failed.failure) };
  }
}

/** The sweep's vocabulary for a failed probe; never the upstream's own text. */
function probeFailureText(f: UpstreamFailure): string {
  if (f.kind === "connect") return `connect (${f.reset ? "connection lost" : "connection failed"})`;
  if (f.kind === "http") return f.status >= 500 ? `http-5xx (HTTP ${f.status})` : `HTTP ${f.status}`;
  return f.kind;
}
