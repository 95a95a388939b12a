/**
 * Health probe: `GET /models`, the cheapest authenticated call every OpenAI-compatible host
 * has. Resolves for every answer and network failure.
 */
import { probeResultFromStatus, probeSafely, upstreamFetch } from "../http";
import type { ProbeResult, ProviderConfig } from "../types";
import { openAIHeaders } from "./endpoints";

export function probeOpenAI(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult> {
  return probeSafely(signal, async () => {
    const res = await upstreamFetch(`${provider.baseUrl}/models`, { headers: openAIHeaders(provider), signal });
    await res.body?.cancel().catch(() => {});
    return probeResultFromStatus(res.status);
  });
}
