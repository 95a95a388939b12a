/**
 * Upstream byte streams → framed events. The decoders are async generators over the raw
 * body so back-pressure and cancellation flow through: returning early cancels the body.
 * `mapSse` is the request path's one pass: lines framed into events feed the caller's
 * converter directly, one async generator per body (DESIGN.md § Cost per request).
 */
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

/**
 * A read of the body itself failed (a reset, the router's own abort): the network's fault, not a
 * converter's. The decoders read the raw body, so they name the failure; providers/http.ts
 * types it (`connect`, or the abort's reason) without a stream wrapped around every body.
 */
export class BodyReadFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`reading the upstream body failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "BodyReadFailed";
  }
}

async function read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (err) {
    throw new BodyReadFailed(err);
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
      const r = await read(reader);
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

/** One server-sent event (DESIGN: only `data` matters to the converters; `event` and `id` as sent). */
export interface SseEvent {
  data: string;
  event?: string;
  id?: string;
}

/**
 * Converts one event, pushing what it makes to `out`; returns true when the stream is over
 * (the rest of the body is not read). A throw is an in-stream failure: what was pushed
 * before it is delivered first.
 */
export type SseConverter<T> = (event: SseEvent, out: T[]) => boolean;

/**
 * The SSE field rules over whole lines (the WHATWG event-stream format): `data` lines
 * join with LF, a blank line dispatches an event that had data, `:` starts a comment
 * (keep-alives), other fields are ignored. `id` and `event` belong to their event.
 */
class SseEventBuilder {
  private data: string | undefined;
  private event: string | undefined;
  private id: string | undefined;

  /** The event a blank line completes, or undefined. */
  line(line: string): SseEvent | undefined {
    if (line === "") {
      const data = this.data;
      const done = data === undefined ? undefined : { id: this.id, event: this.event, data };
      this.data = this.event = this.id = undefined;
      return done;
    }
    if (line.charCodeAt(0) === 0x3a) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(line.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
    if (field === "data") this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    else if (field === "event") this.event = value || undefined;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return undefined;
  }
}

/**
 * SSE body → converted values in one pass (DESIGN.md § Cost per request): bytes are decoded,
 * split into lines (linear, bounded by `maxFrame`), framed into events and handed to
 * `convert` as they complete, in one async generator. It yields what one read of the body
 * made, as one non-empty batch: a consumer pays its await (and a client its write) per read,
 * not per event. A final event without its blank line still counts. Returning early cancels the body.
 */
export async function* mapSse<T>(body: ReadableStream<Uint8Array>, convert: SseConverter<T>, maxFrame = MAX_FRAME_LENGTH): AsyncGenerator<T[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const lines = new LineSplitter(maxFrame, frameTooLong("SSE line"));
  const eventTooLong = frameTooLong("SSE event");
  const builder = new SseEventBuilder();
  let out: T[] = [];
  let eventLength = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  const feed = (line: string) => {
    if (ended) return;
    // A blank line ends the event; the lines before it are what the builder holds.
    eventLength = line === "" ? 0 : eventLength + line.length;
    if (eventLength > maxFrame) throw eventTooLong(eventLength);
    const event = builder.line(line);
    if (!event) return;
    try {
      ended = convert(event, out);
    } catch (error) {
      failure = { error };
      ended = true;
    }
  };
  let done = false;
  try {
    while (!ended) {
      const r = await read(reader);
      if (r.done) {
        done = true;
        for (const line of lines.push(decoder.decode())) feed(line);
        const last = lines.rest();
        if (last) feed(last);
        feed("");
        ended = true;
      } else {
        for (const line of lines.push(decoder.decode(r.value, { stream: true }))) feed(line);
      }
      if (out.length > 0) {
        const batch = out;
        out = [];
        yield batch;
      }
      if (failure) throw failure.error;
    }
  } finally {
    // Stopping early (a timeout, a client abort, a finished stream) must close the upstream.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const collectEvent: SseConverter<SseEvent> = (event, out) => {
  out.push(event);
  return false;
};

/** Server-sent events as they are framed (comments such as keep-alives are dropped), one by one. */
export async function* decodeSse(body: ReadableStream<Uint8Array>, maxFrame = MAX_FRAME_LENGTH): AsyncGenerator<SseEvent> {
  for await (const batch of mapSse(body, collectEvent, maxFrame)) yield* batch;
}

/** A stream of single values as batches of one (for converters that yield value by value). */
export async function* oneByOne<T>(values: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const v of values) yield [v];
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
