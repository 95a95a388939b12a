/** Feeding recorded upstream bodies to stream converters, whole and split every way. */
import { expect } from "vitest";
import type { ChatChunk } from "../../src/openai/responses";
import { UpstreamError, type UpstreamFailure } from "../../src/providers/failures";

export const bytes = (text: string) => new TextEncoder().encode(text);

/** A body that delivers exactly these parts, in order. */
export function streamOf(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
}

export interface Outcome {
  chunks: ChatChunk[];
  malformed: string[];
  failure?: UpstreamFailure;
}

/** Runs a converter over a body, collecting chunks, malformed reports and the typed failure. */
export async function collect(convert: (body: ReadableStream<Uint8Array>, onMalformed: (detail: string) => void) => AsyncIterable<ChatChunk>, parts: Uint8Array[]): Promise<Outcome> {
  const out: Outcome = { chunks: [], malformed: [] };
  try {
    for await (const c of convert(streamOf(parts), (d) => out.malformed.push(d))) out.chunks.push(c);
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    out.failure = err.failure;
  }
  return out;
}

/**
 * Every way of cutting the body must give the same outcome: two parts at every byte offset
 * (inside multi-byte characters, prefixes, CRLF pairs), then one byte at a time.
 */
export async function sameAtEverySplit<T>(text: string, run: (parts: Uint8Array[]) => Promise<T>): Promise<T> {
  const all = bytes(text);
  const whole = await run([all]);
  const expected = JSON.stringify(whole);
  for (let i = 1; i < all.length; i++) {
    const split = await run([all.slice(0, i), all.slice(i)]);
    // Serialised comparison first: a toEqual per split would be slow on long fixtures.
    if (JSON.stringify(split) !== expected) expect(split, `split at byte ${i}`).toEqual(whole);
  }
  expect(await run([...all].map((b) => Uint8Array.of(b))), "one byte at a time").toEqual(whole);
  return whole;
}
