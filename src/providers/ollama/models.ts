/** Ollama `/api/tags` → OpenAI model list entries named `<provider>/<name>`. */
import type { ModelInfo } from "../../openai/responses";
import { UpstreamError } from "../failures";
import type { ProviderConfig } from "../types";
import { readOllamaJson, sendOllama } from "./endpoints";
import { tagsResponseSchema } from "./wire";

/**
 * Unix seconds from Ollama's `modified_at` (RFC 3339 with nanoseconds, which Date.parse
 * does not promise to read: the fraction is cut to milliseconds first). 0 when unreadable.
 */
export function unixSeconds(timestamp: string | undefined): number {
  if (!timestamp) return 0;
  const ms = Date.parse(timestamp.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

export function parseOllamaTags(body: unknown, providerName: string): ModelInfo[] {
  const r = tagsResponseSchema.safeParse(body);
  if (!r.success) throw new UpstreamError({ kind: "malformed", message: "unreadable /api/tags response" });
  return r.data.models.map((m) => ({
    id: `${providerName}/${m.name}`,
    object: "model",
    created: unixSeconds(m.modified_at),
    owned_by: providerName,
  }));
}

export async function listOllamaModels(provider: ProviderConfig, signal: AbortSignal): Promise<ModelInfo[]> {
  const res = await sendOllama(provider, "/api/tags", signal);
  return parseOllamaTags(await readOllamaJson(res, "/api/tags", signal), provider.name);
}
