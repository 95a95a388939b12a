/** OpenAI embeddings → `POST /embeddings`: the request as the client meant it, floats back. */
import type { EmbeddingsResult } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { readPayloadJson } from "../http";
import type { EmbedCall } from "../types";
import { sendOpenAI } from "./endpoints";
import { embeddingsResponseSchema } from "./wire";

function buildOpenAIEmbedRequest(model: string, inputs: string[] | number[][], dimensions?: number): Record<string, unknown> {
  return { model, input: inputs, encoding_format: "float", ...(dimensions !== undefined ? { dimensions } : {}) };
}

/** The vectors in input order; anything but one vector per input is unreadable, not partial. */
export function parseOpenAIEmbedResponse(json: unknown, expected: number): EmbeddingsResult {
  const parsed = embeddingsResponseSchema.safeParse(json);
  if (!parsed.success || parsed.data.data.length !== expected) {
    throw new UpstreamError({ kind: "malformed", message: "embeddings response does not hold one vector per input" });
  }
  const vectors = [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
  const usage = parsed.data.usage;
  const prompt = usage?.prompt_tokens ?? 0;
  return { vectors, usage: { prompt_tokens: prompt, total_tokens: usage?.total_tokens ?? prompt } };
}

export async function embedOpenAI({ provider, model, request, inputs, signal }: EmbedCall): Promise<EmbeddingsResult> {
  const res = await sendOpenAI(provider, "/embeddings", { signal, body: buildOpenAIEmbedRequest(model, inputs, request.dimensions) });
  return parseOpenAIEmbedResponse(await readPayloadJson(res, signal), inputs.length);
}
