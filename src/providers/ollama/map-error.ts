/**
 * Ollama HTTP errors and in-stream error lines → the failure vocabulary (plain data; the
 * shell throws it). Ollama reports everything as `{"error": "<text>"}`, so the status and
 * a few well-known texts decide.
 */
import { parseRetryAfter, type UpstreamFailure } from "../failures";
import { safeJson } from "../http";
import { errorText } from "./wire";

const MAX_MESSAGE = 300;

/** A short, printable message: Ollama's own text, or a description of a non-Ollama answer (tunnel pages …). */
export function describeErrorBody(status: number, body: string): string {
  const fromOllama = errorText(safeJson(body));
  if (fromOllama !== undefined) return clip(fromOllama);
  const text = body.trim();
  // HTML comes from something in front of Ollama (tunnel, Access, proxy): name it, do not echo it.
  if (text === "" || /^<(!doctype|html)/i.test(text)) return `Ollama endpoint answered HTTP ${status}`;
  return clip(text);
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > MAX_MESSAGE ? `${one.slice(0, MAX_MESSAGE)}…` : one;
}

export function mapOllamaError(status: number, body: string, retryAfter: string | null, now: number = Date.now()): UpstreamFailure {
  // Cloudflare Access answers a missing/invalid service token with a redirect to its login page.
  if ((status >= 300 && status < 400) || status === 401 || status === 403) return { kind: "auth", status };
  const message = describeErrorBody(status, body);
  if (status === 404) return { kind: "model-not-found", message };
  if (status === 429) return { kind: "rate-limited", retryAfterS: parseRetryAfter(retryAfter, now), message };
  if (/does not support (tools|images|vision|chat|thinking|insert)/i.test(message)) {
    return { kind: "incapable", message };
  }
  if (/context (length|window|size)|exceeds (the )?max/i.test(message)) {
    return { kind: "context-length", message };
  }
  // The model is too large for this box: the server is fine, this entry cannot load. Not an outage.
  if (/requires more system memory/i.test(message)) return { kind: "incapable", message };
  return { kind: "http", status, message };
}

/** A `{"error": …}` line inside an open stream: the answer failed mid-way. */
export function mapOllamaStreamError(message: string): UpstreamFailure {
  return { kind: "stream-error", message: clip(message) };
}
