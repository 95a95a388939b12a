/** Provider kind → adapter. A map, not a switch: adding a kind is one line here. */
import type { ProviderAdapter, ProviderKind } from "./types";
import { openAICompatibleAdapter } from "./openai-compatible/adapter";
import { geminiAdapter } from "./gemini/adapter";
import { ollamaAdapter } from "./ollama/adapter";

export const adapters: Readonly<Record<ProviderKind, ProviderAdapter | undefined>> = Object.freeze({
  openai: openAICompatibleAdapter,
  ollama: ollamaAdapter,
  gemini: geminiAdapter,
});

export function adapterFor(kind: ProviderKind): ProviderAdapter | undefined {
  return adapters[kind];
}
