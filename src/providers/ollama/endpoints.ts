/**
 * Request headers for a (possibly tunnelled) Ollama: the Cloudflare Access service token
 * and a bearer key when configured. Never an `Origin`: Ollama answers 403 to origins it
 * does not allow, and a server-side caller has none to claim.
 */
import type { ProviderConfig } from "../types";

export function ollamaHeaders(provider: ProviderConfig, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  for (const [name, value] of Object.entries(provider.headers)) {
    if (name.toLowerCase() !== "origin") headers[name] = value;
  }
  if (provider.apiKey) headers["Authorization"] = `Bearer ${provider.apiKey}`;
  return headers;
}
