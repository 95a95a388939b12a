/**
 * Health probe: `GET /models?pageSize=1`, the cheapest authenticated call. Any answer
 * below 500 means Google is up; a rejected key is reported as misconfiguration, not an
 * outage (Google rejects a bad key with 400 API_KEY_INVALID as well as with 401/403).
 */
import { asUpstreamError, readErrorBody, upstreamFetch } from "../http";
import { describeFailure } from "../failures";
import type { ProbeResult, ProviderConfig } from "../types";
import { geminiHeaders, geminiUrl } from "./endpoints";
import { mapGeminiError } from "./map-error";

export async function probeGemini(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult> {
  let res: Response;
  try {
    res = await upstreamFetch(geminiUrl(provider, "models?pageSize=1"), { headers: geminiHeaders(provider), signal });
  } catch (err) {
    return { alive: false, error: describeFailure(asUpstreamError(err, signal).failure) };
  }
  const body = await readErrorBody(res);
  if (res.status >= 500) return { alive: false, status: res.status, error: `HTTP ${res.status}` };
  if (res.ok) return { alive: true, status: res.status };
  const failure = mapGeminiError(res.status, body).failure;
  if (failure.kind === "auth") return { alive: true, status: res.status, misconfigured: true, error: "Gemini rejected the configured API key" };
  return { alive: true, status: res.status, error: `HTTP ${res.status}` };
}
