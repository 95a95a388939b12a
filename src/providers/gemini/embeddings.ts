/**
 * OpenAI embeddings ↔ Gemini `:batchEmbedContents`. Gemini reports no token counts for
 * embeddings, so usage is estimated (and flagged as such).
 */
import { estimateTokens as estimate } from "../../lib/estimate-tokens";
import type { EmbeddingsResult } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { readPayloadJson } from "../http";
import type { EmbedCall } from "../types";
import { modelPath, sendGemini } from "./endpoints";
import { batchEmbedResponseSchema } from "./wire";

/** Google accepts at most 100 requests per batchEmbedContents call. */
const GEMINI_EMBED_BATCH = 100;

export interface BatchEmbedRequest {
  requests: Array<{ model: string; content: { parts: Array<{ text: string }> }; outputDimensionality?: number }>;
}

export function buildBatchEmbedRequest(model: string, texts: readonly string[], dimensions?: number): BatchEmbedRequest {
  const name = modelPath(model);
  return {
    requests: texts.map((text) => ({ model: name, content: { parts: [{ text }] }, ...(dimensions ? { outputDimensionality: dimensions } : {}) })),
  };
}

/** The vectors, in input order; a count mismatch is an unreadable answer, not a partial one. */
export function parseBatchEmbedResponse(json: unknown, expected: number): number[][] {
  const parsed = batchEmbedResponseSchema.safeParse(json);
  if (!parsed.success) throw new UpstreamError({ kind: "malformed", message: "Gemini batchEmbedContents answer has no embeddings[].values" });
  const vectors = parsed.data.embeddings.map((e) => e.values);
  if (vectors.length !== expected) {
    throw new UpstreamError({ kind: "malformed", message: `Gemini returned ${vectors.length} embeddings for ${expected} inputs` });
  }
  return vectors;
}

/** About four characters per token, and at least one per text. */
export const estimateTokens = (texts: readonly string[]): number => estimate(texts, 1);

export async function embedGemini(call: EmbedCall): Promise<EmbeddingsResult> {
  const texts = call.inputs;
  if (!texts.every((i): i is string => typeof i === "string")) {
    throw new UpstreamError({ kind: "incapable", message: "Gemini embeddings take text, not token arrays" });
  }
  const vectors: number[][] = [];
  for (let at = 0; at < texts.length; at += GEMINI_EMBED_BATCH) {
    const batch = texts.slice(at, at + GEMINI_EMBED_BATCH);
    const body = buildBatchEmbedRequest(call.model, batch, call.request.dimensions);
    const res = await sendGemini(call.provider, `${modelPath(call.model)}:batchEmbedContents`, call.signal, body);
    const json = await readPayloadJson(res, call.signal);
    if (json === undefined) throw new UpstreamError({ kind: "malformed", message: "Gemini batchEmbedContents answer is not JSON" });
    vectors.push(...parseBatchEmbedResponse(json, batch.length));
  }
  const tokens = estimateTokens(texts);
  return { vectors, usage: { prompt_tokens: tokens, total_tokens: tokens }, usageEstimated: true };
}
