/**
 * Typed upstream failures. Adapters throw these; the chain walk classifies them
 * (routing/classify.ts) into fall back / retry / return, and the breaker outcome.
 */
import { RouterError } from "../lib/errors";

export type UpstreamFailure =
  /** Could not connect, or the connection was reset before the answer was complete. */
  | { kind: "connect"; reset: boolean; message: string }
  | { kind: "timeout"; phase: "first-byte" | "idle" | "total" }
  /** An HTTP error the adapter had no better name for. 5xx → retryable; 4xx → returned to the caller. */
  | { kind: "http"; status: number; code?: string; message: string; param?: string }
  | { kind: "rate-limited"; retryAfterS?: number; message: string }
  | { kind: "model-not-found"; message: string }
  | { kind: "context-length"; message: string }
  | { kind: "incapable"; message: string }
  /** Upstream rejected our credentials (401/403). Rendered in our own words, never the upstream text. */
  | { kind: "auth"; status: number }
  /** Content blocked by upstream policy (422). */
  | { kind: "blocked"; message: string; categories: string[] }
  /** The upstream payload could not be read at all. */
  | { kind: "malformed"; message: string }
  /** An error reported inside an otherwise open stream, or a stream cut before its finish. */
  | { kind: "stream-error"; message: string; code?: string };

export class UpstreamError extends RouterError {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure) {
    super(describeFailure(failure));
    this.name = "UpstreamError";
    this.failure = failure;
  }
}

export function describeFailure(f: UpstreamFailure): string {
  switch (f.kind) {
    case "connect":
      return f.reset ? `connection error: ${f.message}` : `could not connect: ${f.message}`;
    case "timeout":
      return `${f.phase} timeout`;
    case "http":
      return `HTTP ${f.status}${f.code ? ` (${f.code})` : ""}: ${f.message}`;
    case "rate-limited":
      return `rate limited${f.retryAfterS !== undefined ? ` (retry after ${f.retryAfterS}s)` : ""}`;
    case "auth":
      return `upstream rejected the configured credentials (HTTP ${f.status})`;
    case "blocked":
      return `content blocked: ${f.message}${f.categories.length ? ` [${f.categories.join(", ")}]` : ""}`;
    default:
      return f.message;
  }
}

/** The three HTTP-date shapes (IMF-fixdate, RFC 850, asctime). */
const HTTP_DATE = /^[A-Za-z]{3,9},? +(?:\d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} +\d{2}:\d{2}:\d{2} +(?:GMT|UTC)|[A-Za-z]{3} +\d{1,2} +\d{2}:\d{2}:\d{2} +\d{4})$/;

/** Parses a Retry-After header: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  // Date.parse alone is lenient ("-5" and "soon 2" parse as years long past, i.e. "retry now").
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
