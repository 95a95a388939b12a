/**
 * OpenAI embeddings ↔ Ollama `/api/embed` (one batched call for all inputs). Ollama
 * reports `prompt_eval_count` in recent releases; without it the usage is an estimate
 * and says so through `usageEstimated`.
 */
import { estimateTokens as estimate } from "../../lib/estimate-tokens";
import type { EmbeddingsResult } from "../../openai/responses";
import { UpstreamError } from "../failures";
import type { EmbedCall } from "../types";
import { readOllamaJson, sendOllama } from "./endpoints";
import { embedResponseSchema, type OllamaEmbedRequest } from "./wire";

export function buildOllamaEmbedRequest(model: string, inputs: string[], dimensions?: number): OllamaEmbedRequest {
  return { model, input: inputs, truncate: false, ...(dimensions !== undefined ? { dimensions } : {}) };
}

/** Rough token count when the server gives none: ceil(characters / 4) per input, an empty one free. */
export const estimateTokens = (inputs: readonly string[]): number => estimate(inputs);

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

export async function embedOllama(call: EmbedCall): Promise<EmbeddingsResult> {
  const inputs = call.inputs;
  if (!inputs.every((i): i is string => typeof i === "string")) {
    throw new UpstreamError({ kind: "incapable", message: "Ollama /api/embed takes text, not token arrays" });
  }
  const body = buildOllamaEmbedRequest(call.model, inputs, call.request.dimensions);
  const res = await sendOllama(call.provider, "/api/embed", call.signal, body);
  return parseOllamaEmbedResponse(await readOllamaJson(res, "/api/embed", call.signal), inputs);
}
