/**
 * Health probe: `GET /models?pageSize=1`, the cheapest authenticated call. Any answer
 * below 500 means Google is up; a rejected key is reported as misconfiguration, not an
 * outage (Google rejects a bad key with 400 API_KEY_INVALID as well as with 401/403).
 * Resolves for every answer and network failure.
 */
import { probeSafely, readErrorBody, upstreamFetch } from "../http";
import type { ProbeResult, ProviderConfig } from "../types";
import { geminiHeaders, geminiUrl } from "./endpoints";
import { mapGeminiError } from "./map-error";

export function probeGemini(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult> {
  return probeSafely(signal, async () => {
    const res = await upstreamFetch(geminiUrl(provider, "models?pageSize=1"), { headers: geminiHeaders(provider), signal });
    const body = await readErrorBody(res);
    if (res.status >= 500) return { alive: false, status: res.status, error: `HTTP ${res.status}` };
    if (res.ok) return { alive: true, status: res.status };
    if (mapGeminiError(res.status, body).kind === "auth") return { alive: true, status: res.status, misconfigured: true, error: "Gemini rejected the configured API key" };
    return { alive: true, status: res.status, error: `HTTP ${res.status}` };
  });
}
