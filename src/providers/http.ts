/**
 * The one place adapters call `fetch`, and the helpers every adapter shares. Only the
 * network is classified as the network: the fetch itself and reads of its body (a
 * rejection there is `connect`, or the router's own abort reason). Whatever else throws
 * — a converter, a serialiser — is the router's own bug, never an upstream failure.
 */
import { findTooDeep } from "../openai/json-depth";
import { BodyReadFailed, FrameTooLong } from "../streaming/decode";
import { UpstreamError, type UpstreamFailure } from "./failures";
import type { ProbeResult } from "./types";

/**
 * The deepest upstream JSON read (the payload itself is level 1). A chunk, an embeddings
 * answer or a tool call's arguments nest a handful of levels; 64 is what the request side
 * allows (openai/limits.ts), and keeps every recursion after parsing shallow.
 */
export const MAX_UPSTREAM_JSON_DEPTH = 64;

/**
 * `fetch`, with its rejection typed as a network failure. The body is the runtime's own
 * (a JS stream around it cost ≈ 0.05 ms per request, issue 10): its reads are typed where
 * they happen — the decoders throw BodyReadFailed, `readPayloadJson` reads whole bodies.
 */
export async function upstreamFetch(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw networkFailure(err, init.signal, "before-answer");
  }
}

/**
 * A whole 2xx body as JSON (embeddings, model lists): a failing read is a network failure,
 * text that is not JSON is undefined (the caller names what it expected), nesting past
 * MAX_UPSTREAM_JSON_DEPTH is `malformed` (payloadJson).
 */
export async function readPayloadJson(res: Response, signal: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw networkFailure(err, signal);
  }
  return payloadJson(text);
}

/**
 * A rejection from the network (fetch, a body read) in the failure vocabulary. `before-answer`:
 * fetch itself failed, nothing came back. workerd reports a refused connect exactly like a
 * reset before the answer ("Network connection lost.", retryable: true; checked against a
 * closed port and a fake that resets), and a refused port refuses again, so that is no reset
 * worth a same-entry retry. A reset once the answer has begun stays one (DESIGN.md § Request path 4).
 */
function networkFailure(err: unknown, signal: AbortSignal, phase: "before-answer" | "body" = "body"): UpstreamError {
  if (err instanceof UpstreamError) return err;
  // The router aborts with a typed reason (timeout, client gone); prefer it over the fetch error.
  const aborted = abortFailure(signal);
  if (aborted) return aborted;
  const message = err instanceof Error ? err.message : String(err);
  const lost = /reset|lost|closed|disconnect|EPIPE|terminated/i.test(message);
  if (lost && phase === "before-answer") return new UpstreamError({ kind: "connect", reset: false, message: "connection refused or lost before an answer" });
  return new UpstreamError({ kind: "connect", reset: lost, message: lost ? "connection refused or lost" : "connection failed" });
}

/** An aborted signal's typed reason (a bare abort counts as the total budget spent), or undefined. */
export function abortFailure(signal: AbortSignal): UpstreamError | undefined {
  if (!signal.aborted) return undefined;
  return signal.reason instanceof UpstreamError ? signal.reason : new UpstreamError({ kind: "timeout", phase: "total" });
}

/**
 * What a thrown value means to the chain walk: the typed upstream failure it is, or
 * undefined — the router's own bug (500 internal_error, no breaker charged). An upstream
 * frame over the decoder's bound is the upstream's fault: `malformed`.
 */
export function upstreamFailureOf(err: unknown, signal: AbortSignal): UpstreamError | undefined {
  if (err instanceof UpstreamError) return err;
  if (err instanceof FrameTooLong) return new UpstreamError({ kind: "malformed", message: err.message });
  if (err instanceof BodyReadFailed) return networkFailure(err.cause, signal);
  // Our own abort settles pending reads with whatever the runtime throws: the reason is what happened.
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  return undefined;
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

/** Upstream JSON text (an error body, say), parsed; undefined when it is not JSON or nests deeper than MAX_UPSTREAM_JSON_DEPTH. */
export function safeJson(text: string): unknown {
  // The linear scan first: nothing after parsing (schemas, stringify) then recurses deeply.
  if (findTooDeep(text, MAX_UPSTREAM_JSON_DEPTH)) return undefined;
  return parseOrUndefined(text);
}

/**
 * An answer's JSON (a stream event, an embeddings body): undefined when it is not JSON,
 * which callers skip or refuse; nesting past MAX_UPSTREAM_JSON_DEPTH refuses the whole
 * answer as `malformed` — no real answer nests so, and skipping it would hide the cut.
 */
export function payloadJson(text: string): unknown {
  if (findTooDeep(text, MAX_UPSTREAM_JSON_DEPTH)) {
    throw new UpstreamError({ kind: "malformed", message: `upstream JSON nests deeper than ${MAX_UPSTREAM_JSON_DEPTH} levels (${text.length} chars)` });
  }
  return parseOrUndefined(text);
}

function parseOrUndefined(text: string): unknown {
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
    // The network's failures are typed where they happen (upstreamFetch); anything else is the
    // router's own bug, which is not the provider's failure: the sweep logs it and charges nobody.
    if (!(err instanceof UpstreamError)) throw err;
    if (signal.aborted) throw err;
    return { alive: false, error: probeFailureText(err.failure) };
  }
}

/** The sweep's vocabulary for a failed probe; never the upstream's own text. */
function probeFailureText(f: UpstreamFailure): string {
  if (f.kind === "connect") return `connect (${f.reset ? "connection lost" : "connection failed"})`;
  if (f.kind === "http") return f.status >= 500 ? `http-5xx (HTTP ${f.status})` : `HTTP ${f.status}`;
  return f.kind;
}
