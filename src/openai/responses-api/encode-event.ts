/**
 * SSE framing for Responses events: `event: <type>` plus the JSON data, as OpenAI sends them.
 * No `[DONE]`: the terminal event (completed, incomplete or failed) ends the stream.
 */
import type { ResponseStreamEvent } from "./types";

/** One event's SSE block, as text (the committed stream encodes each write once). */
export function frameResponsesEvent(event: ResponseStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
