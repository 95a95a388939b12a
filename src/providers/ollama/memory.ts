/**
 * What Ollama has in memory, and loading a model without generating (DESIGN.md § The local
 * GPU: cold loads). `GET /api/ps` lists the loaded models; `POST /api/generate` with a model
 * and no prompt loads it and answers once it is in memory.
 */
import type { ProviderConfig } from "../types";
import { readOllamaJson, sendOllama } from "./endpoints";
import { psResponseSchema } from "./wire";

/** How long a warmed model stays in memory unless used (Ollama's own default). */
const WARM_KEEP_ALIVE = "5m";

/** `/api/ps` → model names; null when the answer does not say (an older Ollama, a proxy page). Pure. */
export function parseOllamaPs(body: unknown): string[] | null {
  const r = psResponseSchema.safeParse(body);
  if (!r.success) return null;
  return r.data.models.map((m) => m.name ?? m.model).filter((n): n is string => typeof n === "string");
}

export async function loadedOllamaModels(provider: ProviderConfig, signal: AbortSignal): Promise<string[] | null> {
  const res = await sendOllama(provider, "/api/ps", signal);
  return parseOllamaPs(await readOllamaJson(res, "/api/ps", signal));
}

export async function warmOllamaModel(provider: ProviderConfig, model: string, signal: AbortSignal): Promise<boolean> {
  const res = await sendOllama(provider, "/api/generate", signal, { model, keep_alive: WARM_KEEP_ALIVE });
  await readOllamaJson(res, "/api/generate", signal);
  return true;
}
