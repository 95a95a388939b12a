/**
 * Health probe: `GET /api/tags`, the cheapest endpoint that proves the server (and the
 * tunnel in front of it) answers. Never throws: every outcome is a ProbeResult.
 */
import { describeFailure } from "../failures";
import { asUpstreamError, upstreamFetch } from "../http";
import type { ProbeResult, ProviderConfig } from "../types";
import { ollamaHeaders } from "./endpoints";

/** Any answer below 500 is alive; credentials problems are reported as misconfiguration. */
export function probeResultFromStatus(status: number): ProbeResult {
  if (status >= 500) return { alive: false, status, error: `HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { alive: true, status, misconfigured: true, error: `HTTP ${status}: redirected (Cloudflare Access login?) — check the service token` };
  }
  if (status === 401 || status === 403) return { alive: true, status, misconfigured: true, error: `HTTP ${status}: credentials rejected` };
  if (status >= 400) return { alive: true, status, error: `HTTP ${status}` };
  return { alive: true, status };
}

export async function probeOllama(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult> {
  try {
    const res = await upstreamFetch(`${provider.baseUrl}/api/tags`, { method: "GET", headers: ollamaHeaders(provider), redirect: "manual", signal });
    await res.body?.cancel().catch(() => {});
    return probeResultFromStatus(res.status);
  } catch (err) {
    return { alive: false, error: describeFailure(asUpstreamError(err, signal).failure) };
  }
}
