/** The one place adapters call `fetch`: network failures become typed UpstreamErrors. */
import { UpstreamError } from "./failures";

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
