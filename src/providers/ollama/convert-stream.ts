/**
 * Ollama `/api/chat` NDJSON lines → OpenAI `chat.completion.chunk`s. Pure over its input
 * (ids and clock come in as options), so a recorded stream always converts the same way.
 *
 * - the first chunk carries `role: "assistant"`; content, reasoning (`thinking`) and tool
 *   calls follow as deltas; the `done` line becomes the chunk with `finish_reason` + usage;
 * - tool calls arrive whole: each gets the next index, Ollama's id or a stable generated
 *   one, and its arguments object as a JSON string;
 * - a `{"error": …}` line throws `stream-error`; an unreadable line is skipped and
 *   reported through `onMalformed`, never yielded;
 * - a stream that ends without a `done` line simply ends: the router calls that a cut.
 */
import type { ChatChunk, ChunkDelta, FinishReason, ToolCallDelta, Usage } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { payloadJson } from "../http";
import { mapOllamaFinishReason } from "./map-finish-reason";
import { mapOllamaStreamError } from "./map-error";
import { createJsonFenceStripper } from "./strip-json-fence";
import { chatLineSchema, errorText, type OllamaChatLine } from "./wire";

export interface OllamaStreamOptions {
  /** The completion id every chunk carries (tool call ids are derived from it). */
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** JSON output was requested: strip a ```json fence around the answer. */
  stripJsonFence: boolean;
  onMalformed(detail: string): void;
}

export async function* convertOllamaStream(lines: AsyncIterable<string>, opts: OllamaStreamOptions): AsyncGenerator<ChatChunk> {
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk => ({
    id: opts.id,
    object: "chat.completion.chunk",
    created: opts.created,
    model: opts.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const fence = opts.stripJsonFence ? createJsonFenceStripper() : undefined;
  const callPrefix = `call_${opts.id.replace(/^chatcmpl-/, "").slice(0, 20)}_`;
  let started = false;
  let toolCalls = 0;

  for await (const line of lines) {
    const value = payloadJson(line);
    if (value === undefined) {
      // Details give sizes, never the line: it may carry the user's content.
      opts.onMalformed(`unparseable NDJSON line (${line.length} chars)`);
      continue;
    }
    const error = errorText(value);
    if (error !== undefined) throw new UpstreamError(mapOllamaStreamError(error));
    const parsed = chatLineSchema.safeParse(value);
    if (!parsed.success) {
      opts.onMalformed(`/api/chat line of an unexpected shape (${line.length} chars)`);
      continue;
    }
    const data: OllamaChatLine = parsed.data;
    if (!started) {
      started = true;
      yield chunk({ role: "assistant", content: "" });
    }
    const msg = data.message;
    if (msg?.thinking) yield chunk({ reasoning: msg.thinking });
    let content = msg?.content ?? "";
    if (fence) content = fence.push(content);
    if (content) yield chunk({ content });
    if (msg?.tool_calls?.length) {
      const deltas: ToolCallDelta[] = msg.tool_calls.map((tc) => {
        const index = toolCalls++;
        const args = tc.function.arguments;
        return {
          index,
          id: tc.id || `${callPrefix}${index}`,
          type: "function",
          function: { name: tc.function.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
        };
      });
      yield chunk({ tool_calls: deltas });
    }
    if (data.done) {
      const tail = fence?.end();
      if (tail) yield chunk({ content: tail });
      const last = chunk({}, mapOllamaFinishReason(data.done_reason, toolCalls > 0));
      const usage = usageOf(data);
      if (usage) last.usage = usage;
      yield last;
      // Nothing follows a done line; stopping here also releases the body.
      return;
    }
  }
}

/** `prompt_eval_count`/`eval_count`; a missing count (older Ollama omits it for a cached prompt) is 0. */
export function usageOf(line: OllamaChatLine): Usage | undefined {
  if (line.prompt_eval_count === undefined && line.eval_count === undefined) return undefined;
  const prompt = line.prompt_eval_count ?? 0;
  const completion = line.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
