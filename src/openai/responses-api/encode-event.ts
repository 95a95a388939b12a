/**
 * SSE framing for Responses events: `event: <type>` plus the JSON data, as OpenAI sends them.
 * No `[DONE]`: the terminal event (completed, incomplete or failed) ends the stream.
 */
import type { ResponseStreamEvent } from "./types";

const encoder = new TextEncoder();

export function encodeResponsesEvent(event: ResponseStreamEvent): Uint8Array {
  return encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}
