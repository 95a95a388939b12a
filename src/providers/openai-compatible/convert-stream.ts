import type { EventSourceMessage } from "eventsource-parser";
import type { ChatChunk } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { payloadJson } from "../http";
import { mapOpenAIStreamError } from "./map-error";
import { mapOpenAIFinishReason } from "./map-finish-reason";
import { chunkSchema } from "./wire";

/**
 * OpenAI-compatible SSE events → chunks. `[DONE]` ends the stream; an `error` object is an
 * in-stream failure; anything unreadable is skipped and reported, never forwarded.
 */
export async function* convertOpenAIStream(events: AsyncIterable<EventSourceMessage>, onMalformed: (detail: string) => void): AsyncGenerator<ChatChunk> {
  for await (const event of events) {
    const data = event.data.trim();
    if (data === "[DONE]") return;
    if (data === "") continue;
    const json = payloadJson(data);
    if (json === undefined) {
      // Details give sizes, never the data: it may carry the user's content.
      onMalformed(`unparseable SSE data (${data.length} bytes)`);
      continue;
    }
    if (typeof json !== "object" || json === null) {
      onMalformed("SSE data is not an object");
      continue;
    }
    if ("error" in json && json.error !== undefined && json.error !== null) throw new UpstreamError(mapOpenAIStreamError(json.error));
    const choices = "choices" in json && Array.isArray(json.choices) ? json.choices : undefined;
    // Some hosts send the trailing usage chunk without a choices array: keep its usage.
    const usageOnly = choices === undefined && "usage" in json && typeof json.usage === "object" && json.usage !== null;
    if (choices === undefined && !usageOnly) {
      onMalformed("chunk without a choices array");
      continue;
    }
    // Non-object entries carry nothing a client could use: dropped, as they always were.
    const parsed = chunkSchema.safeParse({ ...json, choices: (choices ?? []).filter((c) => typeof c === "object" && c !== null) });
    if (!parsed.success) {
      onMalformed(`chunk of an unexpected shape at ${parsed.error.issues[0]?.path.join(".") || "root"}`);
      continue;
    }
    const chunk = parsed.data;
    // Normalise the fields the router relies on; keep the rest as sent.
    yield { ...chunk, choices: chunk.choices.map((c) => ({ ...c, delta: c.delta ?? {}, finish_reason: mapOpenAIFinishReason(c.finish_reason) })) };
  }
}
