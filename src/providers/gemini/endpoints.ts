/**
 * Gemini URLs and headers. The API key travels only in `x-goog-api-key`: a `?key=` query
 * parameter would be written into every proxy and access log on the way.
 */
import type { ProviderConfig } from "../types";

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
