/** OpenAI-style error responses and in-stream error events → the failure vocabulary (plain data; the shell throws it). */
import { parseRetryAfter, type UpstreamFailure } from "../failures";
import { safeJson } from "../http";
import { errorBodySchema, streamErrorSchema } from "./wire";

export function mapOpenAIError(status: number, bodyText: string, retryAfter: string | null, now = Date.now()): UpstreamFailure {
  const parsed = errorBodySchema.safeParse(safeJson(bodyText));
  const body = parsed.success ? parsed.data : undefined;
  const err = typeof body?.error === "object" ? body.error : undefined;
  const message = err?.message ?? (typeof body?.error === "string" ? body.error : undefined) ?? body?.message ?? `HTTP ${status}`;
  const code = err?.code ?? err?.type;
  const param = err?.param;

  if (status === 401 || status === 403) return { kind: "auth", status };
  if (status === 429) return { kind: "rate-limited", retryAfterS: parseRetryAfter(retryAfter, now), message };
  // Groq answers a request larger than the entry's tokens-per-minute allowance with 413
  // rate_limit_exceeded: this entry can never take it (waiting won't help), another entry may.
  if (status === 413 && code === "rate_limit_exceeded") return { kind: "context-length", message };
  if (code === "context_length_exceeded" || /maximum context length|context length|too many tokens/i.test(message)) return { kind: "context-length", message };
  if (code === "content_policy_violation" || code === "content_filter") return { kind: "blocked", message, categories: [] };
  if (status === 404 || code === "model_not_found") return { kind: "model-not-found", message };
  return { kind: "http", status, code, message, param };
}

/** An `{"error": …}` event inside an otherwise open stream. */
export function mapOpenAIStreamError(error: unknown): UpstreamFailure {
  const parsed = streamErrorSchema.safeParse(error);
  const data = parsed.success ? parsed.data : undefined;
  const e = typeof data === "object" ? data : undefined;
  const message = e?.message ?? (typeof data === "string" ? data : "upstream reported an error mid-stream");
  const code = e?.code ?? e?.type;
  if (code === "context_length_exceeded") return { kind: "context-length", message };
  if (code === "content_filter" || code === "content_policy_violation") return { kind: "blocked", message, categories: [] };
  return { kind: "stream-error", message, code };
}
