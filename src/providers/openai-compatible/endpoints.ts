/** How to call an OpenAI-compatible host: its headers, and the one request helper the adapter's calls share. */
import { UpstreamError } from "../failures";
import { readErrorBody, upstreamFetch } from "../http";
import type { ProviderConfig } from "../types";
import { mapOpenAIError } from "./map-error";

export function openAIHeaders(provider: ProviderConfig, accept = "application/json"): Record<string, string> {
  const h: Record<string, string> = { accept: "application/json", ...provider.headers, "content-type": "application/json" };
  if (provider.apiKey) h.authorization = `Bearer ${provider.apiKey}`;
  // The chat call streams: its accept wins over a configured one.
  if (accept !== "application/json") h.accept = accept;
  return h;
}

/** A request to `<baseUrl><path>`; a non-2xx answer throws its mapped failure. */
export async function sendOpenAI(provider: ProviderConfig, path: string, init: { signal: AbortSignal; body?: unknown; accept?: string }): Promise<Response> {
  const res = await upstreamFetch(`${provider.baseUrl}${path}`, {
    ...(init.body === undefined ? {} : { method: "POST", body: JSON.stringify(init.body) }),
    headers: openAIHeaders(provider, init.accept),
    signal: init.signal,
  });
  if (res.ok) return res;
  throw new UpstreamError(mapOpenAIError(res.status, await readErrorBody(res), res.headers.get("retry-after")));
}
