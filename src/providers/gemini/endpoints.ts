/**
 * Gemini URLs, headers, and the one request helper the adapter's calls share. The API key
 * travels only in `x-goog-api-key`: a `?key=` query parameter would be written into every
 * proxy and access log on the way.
 */
import { UpstreamError } from "../failures";
import { readErrorBody, upstreamFetch } from "../http";
import type { ProviderConfig } from "../types";
import { mapGeminiError } from "./map-error";

/** `gemini-2.5-flash` and `models/gemini-2.5-flash` name the same model. */
export function modelPath(model: string): string {
  return `models/${encodeURIComponent(model.replace(/^models\//, ""))}`;
}

export function geminiUrl(provider: ProviderConfig, path: string): string {
  return `${provider.baseUrl}/${path}`;
}

export function geminiHeaders(provider: ProviderConfig, json = false): Record<string, string> {
  const headers: Record<string, string> = { ...provider.headers };
  if (provider.apiKey) headers["x-goog-api-key"] = provider.apiKey;
  if (json) headers["content-type"] = "application/json";
  return headers;
}

/** GET (no body) or POST JSON to `path`; a non-2xx answer throws its mapped failure. */
export async function sendGemini(provider: ProviderConfig, path: string, signal: AbortSignal, body?: unknown): Promise<Response> {
  const res = await upstreamFetch(geminiUrl(provider, path), {
    ...(body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }),
    headers: geminiHeaders(provider, body !== undefined),
    signal,
  });
  if (!res.ok) throw new UpstreamError(mapGeminiError(res.status, await readErrorBody(res), res.headers.get("retry-after")));
  return res;
}
