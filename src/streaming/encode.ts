/**
 * SSE framing for the client side, as text: the committed stream encodes what one write
 * carries once (a TextEncoder call per chunk cost ≈ 0.02 ms per streamed answer, issue 10).
 */
export function sseData(payload: unknown): string {
  return `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = "data: [DONE]\n\n";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;
