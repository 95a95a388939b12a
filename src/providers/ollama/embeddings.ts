/**
 * OpenAI embeddings ↔ Ollama `/api/embed` (one batched call for all inputs). Ollama
 * reports `prompt_eval_count` in recent releases; without it the usage is an estimate
 * (about four characters per token) and says so through `usageEstimated`.
 */
import type { EmbeddingsResult } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { embedResponseSchema, type OllamaEmbedRequest } from "./wire";

export function buildOllamaEmbedRequest(model: string, inputs: string[], dimensions?: number): OllamaEmbedRequest {
  return { model, input: inputs, truncate: false, ...(dimensions !== undefined ? { dimensions } : {}) };
}

/** Rough token count for text when the server gives none: ceil(characters / 4) per input. */
export function estimateTokens(inputs: readonly string[]): number {
  return inputs.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
}

export function parseOllamaEmbedResponse(body: unknown, inputs: readonly string[]): EmbeddingsResult {
  const r = embedResponseSchema.safeParse(body);
  if (!r.success) throw new UpstreamError({ kind: "malformed", message: "unreadable /api/embed response" });
  const vectors = r.data.embeddings;
  if (vectors.length !== inputs.length) {
    throw new UpstreamError({ kind: "malformed", message: `/api/embed returned ${vectors.length} vectors for ${inputs.length} inputs` });
  }
  const counted = r.data.prompt_eval_count;
  const tokens = counted ?? estimateTokens(inputs);
  return {
    vectors,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
    ...(counted === undefined ? { usageEstimated: true } : {}),
  };
}
