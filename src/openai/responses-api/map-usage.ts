/** Chat usage → Responses usage. Unknown stays unknown: no zeros invented for a missing count. */
import type { Usage } from "../responses";
import type { ResponsesUsage } from "./types";

export function mapUsage(usage: Usage | null | undefined): ResponsesUsage | undefined {
  if (!usage) return undefined;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}
