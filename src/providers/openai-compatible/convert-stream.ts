import type { EventSourceMessage } from "eventsource-parser";
import type { ChatChunk } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { mapOpenAIStreamError } from "./map-error";

/**
 * OpenAI-compatible SSE events → chunks. `[DONE]` ends the stream; an `error` object is an
 * in-stream failure; anything unparseable is skipped and reported, never forwarded.
 */
export async function* convertOpenAIStream(
  events: AsyncIterable<EventSourceMessage>,
  onMalformed: (detail: string) => void,
): AsyncGenerator<ChatChunk> {
  for await (const event of events) {
    const data = event.data.trim();
    if (data === "[DONE]") return;
    if (data === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      onMalformed(`unparseable SSE data (${data.length} bytes)`);
      continue;
    }
    if (typeof parsed !== "object" || parsed === null) {
      onMalformed("SSE data is not an object");
      continue;
    }
    const obj = parsed as Record<string, unknown>;
    if (obj.error !== undefined && obj.error !== null) throw new UpstreamError(mapOpenAIStreamError(obj.error));
    // Some hosts send the trailing usage chunk without a choices array: keep its usage.
    if (!Array.isArray(obj.choices) && typeof obj.usage === "object" && obj.usage !== null) obj.choices = [];
    if (!Array.isArray(obj.choices)) {
      onMalformed("chunk without a choices array");
      continue;
    }
    const chunk = obj as unknown as ChatChunk;
    // Normalise the fields the router relies on; keep the rest as sent.
    chunk.choices = chunk.choices.filter((c) => typeof c === "object" && c !== null).map((c) => ({ ...c, delta: c.delta ?? {}, finish_reason: c.finish_reason ?? null }));
    yield chunk;
  }
}
