/**
 * Health probe: `GET /api/tags`, the cheapest endpoint that proves the server (and the
 * tunnel in front of it) answers. Resolves for every answer and network failure.
 */
import { probeResultFromStatus, probeSafely, upstreamFetch } from "../http";
import type { ProbeResult, ProviderConfig } from "../types";
import { ollamaHeaders } from "./endpoints";

/** As for every provider, plus a redirect: Cloudflare Access refusing the service token. */
export function ollamaProbeResult(status: number): ProbeResult {
  if (status >= 300 && status < 400) {
    return { alive: true, status, misconfigured: true, error: `HTTP ${status}: redirected (Cloudflare Access login?) — check the service token` };
  }
  return probeResultFromStatus(status);
}

export function probeOllama(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult> {
  return probeSafely(signal, async () => {
    const res = await upstreamFetch(`${provider.baseUrl}/api/tags`, { method: "GET", headers: ollamaHeaders(provider), redirect: "manual", signal });
    await res.body?.cancel().catch(() => {});
    return ollamaProbeResult(res.status);
  });
}
