/**
 * One request from its resolved chain to what the route sends: walk, then the complete
 * JSON answer or the committed stream. Chat and Responses share the walk; only the shape
 * of the answer differs (a front end). The request's context is disposed on every path
 * (at once, or when the stream ends), so routes hold no try/finally.
 */
import type { ChainEntry } from "../config/aliases";
import type { ChatCompletion } from "../openai/responses";
import { type ResponseMeta, type ResponsesRequest, ResponsesStreamEncoder, responseId, toChatRequest, toResponse } from "../openai/responses-api";
import type { ChatRequest, EmbeddingsRequest } from "../openai/schemas";
import { SSE_HEADERS } from "../streaming/encode";
import { committedStream } from "./committed-stream";
import { walkContext, type RequestWalk, type WalkScope } from "./context";
import { vectorToBase64, walkEmbeddings } from "./embeddings";
import type { ResolvedChain } from "./resolve";
import { resumer } from "./resume";
import { chatSseEncoder, responsesSseEncoder, type StreamEncoder } from "./stream-encoders";
import { attemptsHeader, resolvedHeader, walkChat } from "./walk";

export type Answer = { kind: "json"; body: unknown; headers: Record<string, string> } | { kind: "stream"; body: ReadableStream<Uint8Array>; headers: Record<string, string> };

/** How a front end shapes the answer of the entry that answered: the JSON body, or the stream's wire format. */
interface FrontEnd {
  json(completion: ChatCompletion, entry: ChainEntry): unknown;
  encoder(entry: ChainEntry): StreamEncoder;
}

export function answerChat(scope: WalkScope, chain: ResolvedChain, request: ChatRequest): Promise<Answer> {
  const includeUsage = request.stream_options?.include_usage === true;
  return answerCompletion(scope, chain, request, { json: (completion) => completion, encoder: (entry) => chatSseEncoder(entry.id, includeUsage) });
}

/** POST /v1/responses: the request as a chat request through the same walk, answered as a response. */
export function answerResponses(scope: WalkScope, chain: ResolvedChain, request: ResponsesRequest): Promise<Answer> {
  const id = responseId();
  const createdAt = Math.floor(scope.clock.now() / 1000);
  const meta = (entry: ChainEntry): ResponseMeta => ({ id, createdAt, model: entry.id, request });
  return answerCompletion(scope, chain, toChatRequest(request), {
    json: (completion, entry) => toResponse(completion, meta(entry)),
    encoder: (entry) => responsesSseEncoder(new ResponsesStreamEncoder(meta(entry))),
  });
}

async function answerCompletion(scope: WalkScope, chain: ResolvedChain, request: ChatRequest, front: FrontEnd): Promise<Answer> {
  const ctx = walkContext(scope);
  const streaming = request.stream === true;
  const walked = await disposingOnError(ctx, () => walkChat(ctx, chain, request, streaming ? "stream" : "aggregate"));
  const result = walked.value;
  const headers = { ...resolvedHeader(walked.entry), ...attemptsHeader(walked.attempts) };
  if (result.kind === "complete") {
    ctx.dispose();
    ctx.observe.completed(result.completion.usage);
    return { kind: "json", body: front.json(result.completion, walked.entry), headers };
  }
  const resume = resumer(chain, request, ctx);
  const body = committedStream({ committed: result, entry: walked.entry, provider: walked.provider, encoder: front.encoder(walked.entry), ctx, ...(resume ? { resume } : {}) });
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
        ...resolvedHeader(entry),
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
