/** Ollama's `done_reason` → OpenAI `finish_reason`. */
import type { FinishReason } from "../../openai/responses";

/**
 * Ollama says `stop` even when the turn ended in tool calls, so whether any were streamed
 * decides `tool_calls`. `load`/`unload` (model housekeeping) and an absent reason are `stop`.
 */
export function mapOllamaFinishReason(doneReason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (doneReason === "length") return "length";
  if (sawToolCalls) return "tool_calls";
  return "stop";
}
