/** An OpenAI-compatible `finish_reason` → ours: the same vocabulary, with hosts' dialects folded in. */
import type { FinishReason } from "../../openai/responses";

const KNOWN = new Set<string>(["stop", "length", "tool_calls", "content_filter", "function_call"] satisfies FinishReason[]);

function isFinishReason(reason: string): reason is FinishReason {
  return KNOWN.has(reason);
}

/**
 * Absent or null: the answer goes on. A reason outside OpenAI's list (Together's `eos`,
 * a host's `end_turn`) ended the turn normally as far as a client can tell: `stop`.
 */
export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason | null {
  if (reason == null) return null;
  return isFinishReason(reason) ? reason : "stop";
}
