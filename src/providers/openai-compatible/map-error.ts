import { parseRetryAfter, type UpstreamFailure } from "../failures";
import { safeJson } from "../http";

interface OpenAIErrorBody {
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } | string;
  message?: unknown;
}

/** An OpenAI-style error response → the failure vocabulary. */
export function mapOpenAIError(status: number, bodyText: string, retryAfter: string | null, now = Date.now()): UpstreamFailure {
  const parsed = safeJson(bodyText) as OpenAIErrorBody | undefined;
  const err = typeof parsed?.error === "object" && parsed.error !== null ? parsed.error : undefined;
  const message = str(err?.message) ?? (typeof parsed?.error === "string" ? parsed.error : undefined) ?? str(parsed?.message) ?? `HTTP ${status}`;
  const code = str(err?.code) ?? str(err?.type);
  const param = str(err?.param);

  if (status === 401 || status === 403) return { kind: "auth", status };
  if (status === 429) return { kind: "rate-limited", retryAfterS: parseRetryAfter(retryAfter, now), message };
  // Groq answers a request larger than the entry's tokens-per-minute allowance with 413
  // rate_limit_exceeded: this entry can never take it (waiting won't help), another entry may.
  if (status === 413 && code === "rate_limit_exceeded") return { kind: "context-length", message };
  if (code === "context_length_exceeded" || /maximum context length|context length|too many tokens/i.test(message))
    return { kind: "context-length", message };
  if (code === "content_policy_violation" || code === "content_filter") return { kind: "blocked", message, categories: [] };
  if (status === 404 || code === "model_not_found") return { kind: "model-not-found", message };
  return { kind: "http", status, code, message, param };
}

/** An `{"error": …}` object inside an otherwise open stream. */
export function mapOpenAIStreamError(error: unknown): UpstreamFailure {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const message = str(e.message) ?? (typeof error === "string" ? error : "upstream reported an error mid-stream");
  const code = str(e.code) ?? str(e.type);
  if (code === "context_length_exceeded") return { kind: "context-length", message };
  if (code === "content_filter" || code === "content_policy_violation") return { kind: "blocked", message, categories: [] };
  return { kind: "stream-error", message, code };
}

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v.length > 0) return v;
  if (typeof v === "number") return String(v);
  return undefined;
}
