/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chat.completion.chunk objects. Every SSE
 * event is a whole GenerateContentResponse (no deltas to reassemble, no `[DONE]`); the
 * conversion of one event is a pure function over a small state, and the generator below
 * only decodes, validates and forwards. Timeouts and cut detection belong to the router.
 */
import type { ChatChunk, ChunkDelta, FinishReason, ToolCallDelta, Usage } from "../../openai/responses";
import { decodeSse } from "../../streaming/decode";
import { payloadJson } from "../http";
import { UpstreamError } from "../failures";
import { mapGeminiStreamError } from "./map-error";
import { mapGeminiFinishReason } from "./map-finish-reason";
import { signatureExtraContent, signedToolCallId } from "./thought-signature";
import { generateContentResponseSchema, type GenerateContentResponse, type SafetyRating, type UsageMetadata } from "./wire";

export interface GeminiStreamOptions {
  /** The chunk id, shared by every chunk of one answer. */
  id: string;
  created: number;
  model: string;
  /** Gemini rarely names its function calls; OpenAI clients need an id to answer them. */
  newToolCallId?: () => string;
}

export interface GeminiStreamState {
  roleSent: boolean;
  toolCalls: number;
  finished: boolean;
  usage?: Usage;
  /** The usage last put on a chunk, so a repeated usageMetadata is not sent twice. */
  usageSent?: Usage;
}

export function createGeminiStreamState(): GeminiStreamState {
  return { roleSent: false, toolCalls: 0, finished: false };
}

export interface ConvertedEvent {
  chunks: ChatChunk[];
  /** Thrown by the stream after the chunks are delivered (content before a block still counts). */
  error?: UpstreamError;
}

const defaultToolCallId = () => `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

export function convertGeminiEvent(state: GeminiStreamState, event: GenerateContentResponse, opts: GeminiStreamOptions): ConvertedEvent {
  const chunks: ChatChunk[] = [];
  const chunk = (delta: ChunkDelta, finish: FinishReason | null, usage?: Usage): ChatChunk => {
    const c: ChatChunk = { id: opts.id, object: "chat.completion.chunk", created: opts.created, model: opts.model, choices: [{ index: 0, delta, finish_reason: finish }] };
    if (usage) c.usage = usage;
    return c;
  };

  if (event.error) {
    return { chunks, error: new UpstreamError(mapGeminiStreamError(event.error)) };
  }
  if (event.usageMetadata) state.usage = mapGeminiUsage(event.usageMetadata);

  const blockReason = event.promptFeedback?.blockReason;
  if (blockReason) {
    const detail = event.promptFeedback?.blockReasonMessage ? `: ${event.promptFeedback.blockReasonMessage}` : "";
    return {
      chunks,
      error: new UpstreamError({ kind: "blocked", message: `Gemini blocked the prompt (blockReason ${blockReason})${detail}`, categories: blockingCategories(event.promptFeedback?.safetyRatings) }),
    };
  }

  // Usage reported after the finish chunk (or updated by a trailing event) travels alone.
  const trailingUsage = () => {
    if (state.finished && state.usage && !sameUsage(state.usage, state.usageSent)) {
      chunks.push({ id: opts.id, object: "chat.completion.chunk", created: opts.created, model: opts.model, choices: [], usage: state.usage });
      state.usageSent = state.usage;
    }
  };
  const candidate = event.candidates?.[0];
  if (!candidate) {
    trailingUsage();
    return { chunks };
  }

  const delta: ChunkDelta = {};
  let content = "";
  let reasoning = "";
  const toolCalls: ToolCallDelta[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      const call = part.functionCall;
      const newId = opts.newToolCallId ?? defaultToolCallId;
      toolCalls.push({
        index: state.toolCalls++,
        // A signed call gets the router's own id, carrying the signature for clients that drop extra_content.
        id: part.thoughtSignature ? signedToolCallId(newId(), part.thoughtSignature) : (call.id ?? newId()),
        type: "function",
        function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        ...(part.thoughtSignature ? { extra_content: signatureExtraContent(part.thoughtSignature) } : {}),
      });
    } else if (typeof part.text === "string") {
      // Thought summaries are reasoning, never answer text.
      if (part.thought) reasoning += part.text;
      else content += part.text;
    }
  }
  if (content) delta.content = content;
  if (reasoning) delta.reasoning = reasoning;
  if (toolCalls.length > 0) delta.tool_calls = toolCalls;

  let finish: FinishReason | null = null;
  let error: UpstreamError | undefined;
  if (candidate.finishReason) {
    const mapped = mapGeminiFinishReason(candidate.finishReason);
    if (mapped.kind === "finish") finish = mapped.reason === "stop" && state.toolCalls > 0 ? "tool_calls" : mapped.reason;
    else if (mapped.kind === "blocked") {
      const categories = blockingCategories(candidate.safetyRatings);
      error = new UpstreamError({ kind: "blocked", message: `Gemini stopped the answer (finishReason ${mapped.reason})`, categories });
    } else {
      const detail = candidate.finishMessage ? `: ${candidate.finishMessage.slice(0, 300)}` : "";
      error = new UpstreamError({ kind: "stream-error", message: `${mapped.message} (finishReason ${mapped.reason})${detail}`, code: mapped.reason.toLowerCase() });
    }
  }

  const hasDelta = Object.keys(delta).length > 0;
  if (hasDelta || finish) {
    if (!state.roleSent) {
      delta.role = "assistant";
      state.roleSent = true;
    }
    const usage = finish && state.usage ? state.usage : undefined;
    chunks.push(chunk(reorder(delta), finish, usage));
    if (finish) {
      state.finished = true;
      if (usage) state.usageSent = usage;
    }
  } else trailingUsage();
  return error ? { chunks, error } : { chunks };
}

/** Role first, as OpenAI sends it (cosmetic, but keeps chunks readable in logs). */
function reorder(delta: ChunkDelta): ChunkDelta {
  const { role, ...rest } = delta;
  return role ? { role, ...rest } : rest;
}

export function mapGeminiUsage(u: UsageMetadata): Usage {
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  // Thinking tokens are billed as output: they count as completion tokens.
  const completion = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokenCount ?? prompt + completion };
}

function sameUsage(a: Usage, b: Usage | undefined): boolean {
  return b !== undefined && a.prompt_tokens === b.prompt_tokens && a.completion_tokens === b.completion_tokens && a.total_tokens === b.total_tokens;
}

/** The categories that caused a block: flagged ones, else the highest-rated. */
function blockingCategories(ratings: readonly SafetyRating[] | undefined): string[] {
  const list = ratings ?? [];
  const pick = (keep: (r: SafetyRating) => boolean) => [
    ...new Set(
      list
        .filter(keep)
        .map((r) => r.category)
        .filter((c): c is string => !!c),
    ),
  ];
  const flagged = pick((r) => r.blocked === true);
  if (flagged.length > 0) return flagged;
  const high = pick((r) => r.probability === "HIGH");
  return high.length > 0 ? high : pick((r) => r.probability === "MEDIUM");
}

/**
 * The upstream body → chunks. A malformed event is reported and skipped; a blocked or
 * failed finish is thrown after the chunks that preceded it.
 */
export async function* convertGeminiStream(body: ReadableStream<Uint8Array>, opts: GeminiStreamOptions & { onMalformed(detail: string): void }): AsyncGenerator<ChatChunk> {
  const state = createGeminiStreamState();
  for await (const message of decodeSse(body)) {
    const data = message.data.trim();
    if (data === "" || data === "[DONE]") continue;
    const json = payloadJson(data);
    if (json === undefined) {
      opts.onMalformed(`unparseable Gemini event: ${data.slice(0, 120)}`);
      continue;
    }
    const parsed = generateContentResponseSchema.safeParse(json);
    if (!parsed.success) {
      opts.onMalformed(`unexpected Gemini event shape at ${parsed.error.issues[0]?.path.join(".") || "root"}`);
      continue;
    }
    const { chunks, error } = convertGeminiEvent(state, parsed.data, opts);
    yield* chunks;
    if (error) throw error;
  }
}

/** A whole `generateContent` answer (non-streaming) → the same chunks a stream would give. */
export function generateContentToChunks(response: GenerateContentResponse, opts: GeminiStreamOptions): ConvertedEvent {
  return convertGeminiEvent(createGeminiStreamState(), response, opts);
}
