/**
 * The upstream stream decoders are linear in the bytes and bounded per frame (issue 11
 * finding 9): an over-long NDJSON line or SSE event is a FrameTooLong (the upstream's
 * `malformed` failure once the providers' guard maps it), seen as soon as the frame is
 * too long, never a hang.
 */
import { describe, expect, it } from "vitest";
import { decodeNdjson, decodeSse, FrameTooLong, MAX_FRAME_LENGTH } from "../../src/streaming/decode";
import { LineSplitter } from "../../src/streaming/line-splitter";
import { bytes, sameAtEverySplit, streamOf } from "../helpers/streams";

const MiB = 1024 * 1024;

/** A body serving `line` in 64 KiB parts, then more forever; counts how many parts were pulled. */
function endlessAfter(prefix: string, fill: string): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const head = bytes(prefix);
  const part = bytes(fill.repeat(64 * 1024));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(pulled++ === 0 ? head : part);
    },
  });
  return { body, pulled: () => pulled };
}

async function failureOf(run: () => Promise<unknown>): Promise<FrameTooLong> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(FrameTooLong);
    return err as FrameTooLong;
  }
  throw new Error("expected the decoder to fail");
}

const drain = async (it: AsyncIterable<unknown>) => {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe("frame size limit (MAX_FRAME_LENGTH)", () => {
  it("a 4 MiB NDJSON line → FrameTooLong, after reading little more than the limit", async () => {
    const { body, pulled } = endlessAfter('{"message":{"content":"', "x");
    const err = await failureOf(() => drain(decodeNdjson(body)));
    expect(err.what).toBe("NDJSON line");
    expect(err.message).toContain("MAX_FRAME_LENGTH");
    // 64 KiB parts: the line was refused near the limit, not read to 4 MiB or forever.
    expect(pulled() * 64 * 1024).toBeLessThan(MAX_FRAME_LENGTH + 256 * 1024);
  });

  it("a 4 MiB NDJSON line delivered whole → FrameTooLong", async () => {
    const line = `{"message":{"content":"${"x".repeat(4 * MiB)}"}}\n{"done":true}\n`;
    const err = await failureOf(() => drain(decodeNdjson(streamOf([bytes(line)]))));
    expect(err.length).toBeGreaterThan(MAX_FRAME_LENGTH);
  });

  it("a 4 MiB SSE data line, and an event of many short lines past the limit → FrameTooLong", async () => {
    const long = endlessAfter("data: ", "x");
    expect((await failureOf(() => drain(decodeSse(long.body)))).what).toBe("SSE line");
    const many = endlessAfter("", "data: x\n");
    const err = await failureOf(() => drain(decodeSse(many.body)));
    expect(err.what).toBe("SSE event");
  });

  it("a stream of endless keep-alive comments is not one long event", async () => {
    const events = await drain(decodeSse(streamOf([bytes(":\n\n".repeat(MAX_FRAME_LENGTH / 2)), bytes('data: {"a":1}\n\n')])));
    expect(events).toEqual([expect.objectContaining({ data: '{"a":1}' })]);
  });

  it("frames at the limit pass", async () => {
    const content = "y".repeat(1000);
    const nd = await drain(decodeNdjson(streamOf([bytes(`${content}\n`)]), content.length));
    expect(nd).toEqual([content]);
    const sse = await drain(decodeSse(streamOf([bytes(`data: ${content}\n\n`)]), content.length + 6));
    expect(sse).toEqual([expect.objectContaining({ data: content })]);
  });
});

describe("linear in the bytes (work counted, not timed)", () => {
  it("a 1 MiB line in 1-byte pieces examines each character about once", () => {
    const splitter = new LineSplitter(2 * MiB, () => new Error("too long"));
    const n = MiB;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(...splitter.push("a"));
    lines.push(...splitter.push("\n"));
    expect(lines).toEqual(["a".repeat(n)]);
    // Quadratic re-scanning (buffer += text; indexOf) would be ~n²/2 = 5·10^11.
    expect(splitter.scanned).toBeLessThanOrEqual(3 * (n + 1));
  });

  it("many short lines in one chunk examine each character about once", () => {
    const splitter = new LineSplitter(MiB, () => new Error("too long"));
    const text = "ab\r\ncd\n".repeat(100_000);
    expect(splitter.push(text)).toHaveLength(200_000);
    expect(splitter.scanned).toBeLessThanOrEqual(3 * text.length);
  });
});

describe("line endings, split at every byte", () => {
  it("NDJSON with LF, CRLF and CR endings and multi-byte text", async () => {
    const text = '{"a":"é"}\r\n{"b":"日本"}\n\n{"c":1}\r{"d":2}';
    const out = await sameAtEverySplit(text, (parts) => drain(decodeNdjson(streamOf(parts))));
    expect(out).toEqual(['{"a":"é"}', '{"b":"日本"}', '{"c":1}', '{"d":2}']);
  });

  it("SSE with CRLF, CR and multi-line data", async () => {
    const text = "data: a\r\ndata: b\r\n\r\n: keep-alive\n\nevent: x\rdata: ü\r\rdata: last";
    const out = await sameAtEverySplit(text, (parts) => drain(decodeSse(streamOf(parts))));
    expect(out.map((e) => (e as { data: string }).data)).toEqual(["a\nb", "ü", "last"]);
  });
});
