/** The OpenAI response shapes the router emits: streaming chunks and aggregated completions. */

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
  /** Provider extras that must round-trip (Gemini thought signatures). */
  extra_content?: Record<string, unknown>;
}

export interface ChunkDelta {
  role?: "assistant";
  content?: string | null;
  tool_calls?: ToolCallDelta[];
  /** Some providers stream reasoning separately; passed through, never counted as first byte. */
  reasoning?: string;
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs?: unknown }>;
  usage?: Usage | null;
  system_fingerprint?: string;
}

export interface CompletionToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
  extra_content?: Record<string, unknown>;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: CompletionToolCall[]; refusal: null };
    finish_reason: FinishReason | null;
    logprobs: null;
  }>;
  usage?: Usage;
  system_fingerprint?: string;
}

export interface EmbeddingsResult {
  /** One vector per input, in input order. */
  vectors: number[][];
  usage: { prompt_tokens: number; total_tokens: number };
  /** True when the provider gave no token count and the router estimated it. */
  usageEstimated?: boolean;
}

export interface ModelInfo {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/** True when a chunk carries content or a tool call: what "first byte" means (DESIGN.md). */
export function hasPayload(chunk: ChatChunk): boolean {
  return chunk.choices.some((c) => (typeof c.delta.content === "string" && c.delta.content.length > 0) || (c.delta.tool_calls?.length ?? 0) > 0);
}

export function completionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}
