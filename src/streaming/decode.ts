/**
 * Upstream byte streams → framed events. The decoders are async generators over the raw
 * body so back-pressure and cancellation flow through: returning early cancels the body.
 * `mapSse` is the request path's one pass: the SSE parser's callback feeds the caller's
 * converter directly, one async generator per body (DESIGN.md § Cost per request).
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { LineSplitter } from "./line-splitter";

/**
 * The longest NDJSON line or SSE event accepted, in characters. A frame carries one chunk
 * of an answer: a few tokens, or at most one tool call's whole arguments (Ollama sends
 * them in one line) — kilobytes, rarely 100 KB. 2 Mi characters is 20× that, and keeps
 * what one hostile stream makes us hold to a few MB.
 */
export const MAX_FRAME_LENGTH = 2 * 1024 * 1024;

/**
 * An upstream frame over MAX_FRAME_LENGTH: the upstream's fault (a `malformed` failure).
 * Thrown here, below providers/ in the layer order; the providers' stream guard maps it.
 */
export class FrameTooLong extends Error {
  constructor(
    readonly what: string,
    readonly length: number,
  ) {
    super(`an upstream ${what} exceeds ${MAX_FRAME_LENGTH} characters (MAX_FRAME_LENGTH; ${length} so far)`);
    this.name = "FrameTooLong";
  }
}

const frameTooLong = (what: string) => (length: number) => new FrameTooLong(what, length);

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

/**
 * Server-sent events, parsed by eventsource-parser (comments such as keep-alives are
 * dropped). Lines are split here first (linear, bounded), and the parser is fed whole
 * lines, so it never re-scans a partial one.
 */
export async function* decodeSse(body: ReadableStream<Uint8Array>, maxFrame = MAX_FRAME_LENGTH): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const lines = new LineSplitter(maxFrame, frameTooLong("SSE line"));
  const eventTooLong = frameTooLong("SSE event");
  let eventLength = 0;
  const feed = (line: string) => {
    // A blank line ends the event; the lines before it are what the parser holds.
    eventLength = line === "" ? 0 : eventLength + line.length;
    if (eventLength > maxFrame) throw eventTooLong(eventLength);
    parser.feed(`${line}\n`);
  };
  for await (const text of textChunks(body)) {
    for (const line of lines.push(text)) feed(line);
    // splice, not shift(): shifting one at a time is quadratic in the events of one chunk.
    yield* pending.splice(0);
  }
  // A final event without its blank line still counts: feed the terminator ourselves.
  const last = lines.rest();
  if (last) feed(last);
  feed("");
  yield* pending.splice(0);
}

/**
 * Converts one event, pushing what it makes to `out`; returns true when the stream is over
 * (the rest of the body is not read). A throw is an in-stream failure: what was pushed
 * before it is delivered first.
 */
export type SseConverter<T> = (event: EventSourceMessage, out: T[]) => boolean;

/** SSE body → converted values in one pass, with decodeSse's framing (a final event without its blank line counts). */
export async function* mapSse<T>(body: ReadableStream<Uint8Array>, convert: SseConverter<T>): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const out: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  const parser = createParser({
    onEvent(event) {
      if (ended) return;
      try {
        ended = convert(event, out);
      } catch (error) {
        failure = { error };
        ended = true;
      }
    },
  });
  let done = false;
  try {
    while (!ended) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        parser.feed(`${decoder.decode()}\n\n`);
        ended = true;
      } else {
        parser.feed(decoder.decode(r.value, { stream: true }));
      }
      for (let i = 0; i < out.length; i++) yield out[i]!;
      out.length = 0;
      if (failure) throw failure.error;
    }
  } finally {
    // Stopping early (a timeout, a client abort, a finished stream) must close the upstream.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Newline-delimited JSON lines as raw strings (a line split across chunks is reassembled). */
export async function* decodeNdjson(body: ReadableStream<Uint8Array>, maxFrame = MAX_FRAME_LENGTH): AsyncGenerator<string> {
  const lines = new LineSplitter(maxFrame, frameTooLong("NDJSON line"));
  for await (const text of textChunks(body)) {
    for (const raw of lines.push(text)) {
      const line = raw.trim();
      if (line) yield line;
    }
  }
  const last = lines.rest().trim();
  if (last) yield last;
}
