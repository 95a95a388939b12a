/**
 * Upstream byte streams → framed events. Both decoders are async generators over the raw
 * body so back-pressure and cancellation flow through: returning early cancels the body.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Reads a body as text, chunk by chunk, releasing (cancelling) it when the consumer stops early. */
async function* textChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let done = false;
  try {
    while (true) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        const tail = decoder.decode();
        if (tail) yield tail;
        return;
      }
      const text = decoder.decode(r.value, { stream: true });
      if (text) yield text;
    }
  } finally {
    // Stopping early (a timeout, a client abort, a finished stream) must close the upstream.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Server-sent events, parsed by eventsource-parser (comments such as keep-alives are dropped). */
export async function* decodeSse(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  for await (const text of textChunks(body)) {
    parser.feed(text);
    while (pending.length) yield pending.shift()!;
  }
  // A final event without its blank line still counts: feed the terminator ourselves.
  parser.feed("\n\n");
  while (pending.length) yield pending.shift()!;
}

/** Newline-delimited JSON lines as raw strings (a line split across chunks is reassembled). */
export async function* decodeNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const text of textChunks(body)) {
    buffer += text;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield line;
    }
  }
  const last = buffer.trim();
  if (last) yield last;
}
