/**
 * One request from its resolved chain to what the route sends: walk, then the complete
 * JSON answer or the committed stream. The request's context is disposed on every path
 * (at once, or when the stream ends), so routes hold no try/finally.
 */
import type { ChatRequest, EmbeddingsRequest } from "../openai/schemas";
import { SSE_HEADERS } from "../streaming/encode";
import { committedStream } from "./committed-stream";
import { walkContext, type RequestWalk, type WalkScope } from "./context";
import { vectorToBase64, walkEmbeddings } from "./embeddings";
import type { ResolvedChain } from "./resolve";
import { attemptsHeader, walkChat } from "./walk";

export type Answer = { kind: "json"; body: unknown; headers: Record<string, string> } | { kind: "stream"; body: ReadableStream<Uint8Array>; headers: Record<string, string> };

export async function answerChat(scope: WalkScope, chain: ResolvedChain, request: ChatRequest): Promise<Answer> {
  const ctx = walkContext(scope);
  const streaming = request.stream === true;
  const walked = await disposingOnError(ctx, () => walkChat(ctx, chain, request, streaming ? "stream" : "aggregate"));
  const result = walked.value;
  const headers = { "X-Mana-LLM-Resolved": walked.entry.id, ...attemptsHeader(walked.attempts) };
  if (result.kind === "complete") {
    ctx.dispose();
    ctx.observe.completed(result.completion.usage);
    return { kind: "json", body: result.completion, headers };
  }
  const includeUsage = request.stream_options?.include_usage === true;
  const body = committedStream({ committed: result, entry: walked.entry, provider: walked.provider, includeUsage, ctx });
  return { kind: "stream", body, headers: { ...SSE_HEADERS, ...headers } };
}

export async function answerEmbeddings(scope: WalkScope, chain: ResolvedChain, request: EmbeddingsRequest): Promise<Answer> {
  const ctx = walkContext(scope);
  try {
    const { value, entry, attempts } = await walkEmbeddings(ctx, chain, request);
    // An estimated count is ours, not the provider's: left out of the token metric.
    ctx.observe.completed(value.usageEstimated ? undefined : value.usage);
    const base64 = request.encoding_format === "base64";
    return {
      kind: "json",
      body: {
        object: "list",
        data: value.vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? vectorToBase64(v) : v })),
        model: entry.id,
        usage: value.usage,
      },
      headers: {
        "X-Mana-LLM-Resolved": entry.id,
        ...attemptsHeader(attempts),
        ...(value.usageEstimated ? { "X-Mana-LLM-Usage": "estimated" } : {}),
      },
    };
  } finally {
    ctx.dispose();
  }
}

async function disposingOnError<T>(ctx: RequestWalk, walk: () => Promise<T>): Promise<T> {
  try {
    return await walk();
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}
