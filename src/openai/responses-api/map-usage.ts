/**
 * Chat usage → Responses usage. No usage stays no usage; the cache and reasoning details are
 * 0 because the router's chat usage carries none (and OpenAI itself sends 0 for "none").
 */
import type { Usage } from "../responses";
import type { ResponsesUsage } from "./types";

export function mapUsage(usage: Usage | null | undefined): ResponsesUsage | undefined {
  if (!usage) return undefined;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}
