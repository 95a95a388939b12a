/**
 * Google's error envelope (`{"error": {code, message, status, details}}`) → the router's
 * failure vocabulary (plain data; the shell throws it). Google's `status` names the cause
 * more precisely than the HTTP code: a bad API key, for instance, is a 400
 * INVALID_ARGUMENT whose ErrorInfo says API_KEY_INVALID.
 */
import { parseRetryAfter, type UpstreamFailure } from "../failures";
import { safeJson } from "../http";
import { errorEnvelopeSchema, type GoogleError } from "./wire";

const AUTH_REASONS = new Set(["API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED", "ACCESS_TOKEN_EXPIRED", "SERVICE_DISABLED"]);

export function parseGoogleError(bodyText: string): GoogleError | undefined {
  const parsed = errorEnvelopeSchema.safeParse(safeJson(bodyText));
  if (!parsed.success) return undefined;
  return Array.isArray(parsed.data) ? parsed.data[0]!.error : parsed.data.error;
}

export function mapGeminiError(status: number, bodyText: string, retryAfterHeader: string | null = null, now: number = Date.now()): UpstreamFailure {
  const err = parseGoogleError(bodyText);
  const code = err?.status;
  const message = err?.message?.trim() || `HTTP ${status} from Gemini`;
  const reasons = new Set(
    detailsOf(err, "ErrorInfo")
      .map((d) => d.reason)
      .filter((r): r is string => typeof r === "string"),
  );

  if (status === 429 || code === "RESOURCE_EXHAUSTED") {
    const retryAfterS = retryDelayOf(err) ?? parseRetryAfter(retryAfterHeader, now);
    return { kind: "rate-limited", message, ...(retryAfterS !== undefined ? { retryAfterS } : {}) };
  }
  // Never the upstream text for auth: it may describe the key it received.
  if (status === 401 || status === 403 || code === "UNAUTHENTICATED" || code === "PERMISSION_DENIED" || [...reasons].some((r) => AUTH_REASONS.has(r))) {
    return { kind: "auth", status };
  }
  if (status === 404 || code === "NOT_FOUND") return { kind: "model-not-found", message };
  if (status === 400 && /input token count.*exceeds|exceeds the maximum number of tokens|too many tokens/i.test(message)) {
    return { kind: "context-length", message };
  }
  return { kind: "http", status, message, ...(code ? { code: code.toLowerCase() } : {}) };
}

/** An `{"error": …}` event inside an open stream: the answer failed mid-way. */
export function mapGeminiStreamError(e: GoogleError): UpstreamFailure {
  return { kind: "stream-error", message: `Gemini reported an error mid-stream: ${e.status ?? e.code ?? "error"}: ${e.message ?? "no message"}`, code: e.status };
}

type Detail = Record<string, unknown>;

function detailsOf(err: GoogleError | undefined, type: string): Detail[] {
  return (err?.details ?? []).filter((d) => typeof d["@type"] === "string" && d["@type"].endsWith(`google.rpc.${type}`)) as Detail[];
}

/** RetryInfo.retryDelay is a protobuf Duration in JSON: "34s", "1.5s". */
export function retryDelayOf(err: GoogleError | undefined): number | undefined {
  for (const d of detailsOf(err, "RetryInfo")) {
    const m = typeof d.retryDelay === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay.trim()) : null;
    if (m) return Math.ceil(Number(m[1]));
  }
  return undefined;
}
