import type { ChatChunk } from "../../openai/responses";
import { UpstreamError } from "../failures";
import type { SseEvent } from "../../streaming/decode";
import { payloadJson } from "../http";
import { mapOpenAIStreamError } from "./map-error";
import { mapOpenAIFinishReason } from "./map-finish-reason";
import { plainChunk } from "./plain-chunk";
import { chunkSchema, type WireChunk } from "./wire";

/**
 * One OpenAI-compatible SSE event → at most one chunk pushed to `out`; true at `[DONE]`. An
 * `error` object is an in-stream failure (thrown); anything unreadable is skipped and
 * reported, never forwarded.
 */
export function convertOpenAIEvent(event: SseEvent, out: ChatChunk[], onMalformed: (detail: string) => void): boolean {
  const data = event.data.trim();
  if (data === "[DONE]") return true;
  if (data === "") return false;
  const json = payloadJson(data);
  if (json === undefined) {
    // Details give sizes, never the data: it may carry the user's content.
    onMalformed(`unparseable SSE data (${data.length} bytes)`);
    return false;
  }
  if (typeof json !== "object" || json === null) {
    onMalformed("SSE data is not an object");
    return false;
  }
  if ("error" in json && json.error !== undefined && json.error !== null) throw new UpstreamError(mapOpenAIStreamError(json.error));
  const choices = "choices" in json && Array.isArray(json.choices) ? json.choices : undefined;
  // Some hosts send the trailing usage chunk without a choices array: keep its usage.
  const usageOnly = choices === undefined && "usage" in json && typeof json.usage === "object" && json.usage !== null;
  if (choices === undefined && !usageOnly) {
    onMalformed("chunk without a choices array");
    return false;
  }
  // Non-object entries carry nothing a client could use: dropped, as they always were.
  const objects = (choices ?? []).filter((c) => typeof c === "object" && c !== null);
  const chunk = plainChunk(json as Record<string, unknown>, objects) ?? checkedChunk({ ...json, choices: objects }, onMalformed);
  if (!chunk) return false;
  // Normalise the fields the router relies on; keep the rest as sent.
  out.push({ ...chunk, choices: chunk.choices.map((c) => ({ ...c, delta: c.delta ?? {}, finish_reason: mapOpenAIFinishReason(c.finish_reason) })) });
  return false;
}

function checkedChunk(value: unknown, onMalformed: (detail: string) => void): WireChunk | undefined {
  const parsed = chunkSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  onMalformed(`chunk of an unexpected shape at ${parsed.error.issues[0]?.path.join(".") || "root"}`);
  return undefined;
}
