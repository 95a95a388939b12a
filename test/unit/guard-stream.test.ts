/**
 * guardStream on a fake clock: the upstream's pauses and the router's deadlines are fake
 * time, so every timing below is exact and no test waits on a real timer.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from "../../src/openai/responses";
import { UpstreamError, type UpstreamFailure } from "../../src/providers/failures";
import type { ChunkBatch } from "../../src/providers/types";
import { guardStream, type StreamClocks } from "../../src/routing/guarded-stream";
import { FakeClock, runOn } from "../helpers/fake-clock";

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
});

const USAGE: Usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

function chunk(delta: ChunkDelta, finish: FinishReason | null = null, usage?: Usage): ChatChunk {
  return { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) };
}
const role = () => chunk({ role: "assistant", content: "" });
const text = (s: string) => chunk({ content: s });
const finish = (reason: FinishReason = "stop") => chunk({}, reason);
const usageOnly = (): ChatChunk => ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: USAGE });

/** A chunk (a read of its own), several chunks that arrived in one read, a pause, or a stall. */
type Step = ChatChunk | ChatChunk[] | { wait: number } | "hang";

/**
 * A scripted upstream. "hang" never yields again until the router aborts it, the way a
 * stalled fetch body ends once its signal fires; `released` says its finally ran.
 */
class FakeUpstream {
  released = false;
  pulled = 0;
  private wake: (() => void) | undefined;
  private aborted = false;

  constructor(private readonly steps: Step[]) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ChunkBatch> {
    try {
      for (const step of this.steps) {
        if (step === "hang") {
          if (!this.aborted) await new Promise<void>((resolve) => (this.wake = resolve));
          return;
        }
        if ("wait" in step) {
          await clock.sleep(step.wait);
          continue;
        }
        this.pulled++;
        yield Array.isArray(step) ? step : [step];
      }
    } finally {
      this.released = true;
    }
  }

  abort = (reason: UpstreamError): void => {
    this.aborts.push(reason);
    this.aborted = true;
    this.wake?.();
  };
  readonly aborts: UpstreamError[] = [];
}

/** Deadlines given relative to now. */
function clocks(over: Partial<Omit<StreamClocks, "clock">> = {}): StreamClocks {
  const start = clock.now();
  return {
    firstByteDeadline: start + (over.firstByteDeadline ?? 1_000),
    idleMs: over.idleMs ?? 1_000,
    requestDeadline: start + (over.requestDeadline ?? 5_000),
    finishGraceMs: over.finishGraceMs ?? 1_000,
    clock,
  };
}

interface Run {
  chunks: ChatChunk[];
  /** How many batches the guard yielded. */
  batches: number;
  error?: UpstreamError;
  state: { sawPayload: boolean; finished: boolean };
}

/** Drains the guarded stream on the fake clock (a run no timer can end fails as stuck). */
function run(up: FakeUpstream, c: StreamClocks): Promise<Run> {
  return runOn(clock, drain(up, c));
}

async function drain(up: FakeUpstream, c: StreamClocks): Promise<Run> {
  const state = { sawPayload: false, finished: false };
  const chunks: ChatChunk[] = [];
  let batches = 0;
  try {
    for await (const batch of guardStream(up, c, up.abort, state)) {
      batches++;
      chunks.push(...batch);
    }
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    return { chunks, batches, error: err, state };
  }
  return { chunks, batches, state };
}

function failureOf(r: Run): UpstreamFailure {
  if (!r.error) throw new Error(`expected an UpstreamError; got ${r.chunks.length} chunks and a clean end`);
  return r.error.failure;
}

/** Fake milliseconds since `from`. */
const since = (from: number) => clock.now() - from;

describe("guardStream: complete streams", () => {
  it("passes a complete stream through unchanged and in order", async () => {
    const script = [role(), text("hé"), text("llo"), finish(), usageOnly()];
    const up = new FakeUpstream(script);
    const r = await run(up, clocks());
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual(script);
    expect(r.state).toEqual({ sawPayload: true, finished: true });
    expect(up.aborts).toEqual([]);
    expect(up.released).toBe(true);
  });

  it("accepts a finish without [DONE] or usage when the upstream closes", async () => {
    const up = new FakeUpstream([text("a"), finish("length")]);
    const r = await run(up, clocks());
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(2);
    expect(up.aborts).toEqual([]);
  });

  it("accepts an empty answer (finish, no content) as complete", async () => {
    const up = new FakeUpstream([role(), finish()]);
    const r = await run(up, clocks());
    expect(r.error).toBeUndefined();
    expect(r.state).toEqual({ sawPayload: false, finished: true });
  });

  it("returns right after a usage chunk that follows the finish, even if the upstream would hang", async () => {
    const up = new FakeUpstream([text("hi"), finish(), usageOnly(), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ finishGraceMs: 5_000, idleMs: 5_000 }));
    expect(since(start)).toBe(0);
    expect(r.error).toBeUndefined();
    expect(r.chunks.at(-1)).toEqual(usageOnly());
    expect(up.aborts).toEqual([]);
    expect(up.released).toBe(true);
  });

  it("returns after a usage chunk without reading what the upstream would send next", async () => {
    const up = new FakeUpstream([text("hi"), finish(), usageOnly(), text("junk after usage"), finish()]);
    const r = await run(up, clocks());
    expect(r.chunks).toHaveLength(3);
    expect(up.pulled).toBe(3);
    expect(up.released).toBe(true);
  });

  it("returns right after a finishing chunk that carries usage itself", async () => {
    const up = new FakeUpstream([text("hi"), chunk({}, "stop", USAGE), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ finishGraceMs: 5_000 }));
    expect(since(start)).toBe(0);
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(2);
  });

  it("completes after finishGraceMs when the upstream goes silent after its finish, closing it", async () => {
    const up = new FakeUpstream([text("hi"), finish(), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ finishGraceMs: 20, idleMs: 5_000 }));
    expect(since(start)).toBe(20);
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual([text("hi"), finish()]);
    expect(up.aborts).toHaveLength(1);
    expect(up.aborts[0]!.failure.kind).toBe("stream-error");
  });
});

describe("guardStream: batches (one upstream read each)", () => {
  it("passes a batch through as one batch, in order", async () => {
    const script = [role(), text("a"), text("b"), finish(), usageOnly()];
    const r = await run(new FakeUpstream([script]), clocks());
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual(script);
    expect(r.batches).toBe(1);
  });

  it("ends a batch at the usage that follows the finish, dropping what came after it in the same read", async () => {
    const up = new FakeUpstream([[text("hi"), finish(), usageOnly(), text("junk after usage")], "hang"]);
    const r = await run(up, clocks({ finishGraceMs: 5_000 }));
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual([text("hi"), finish(), usageOnly()]);
    expect(up.released).toBe(true);
  });

  it("needs no finish-grace timer when the usage arrives in the finish's read", async () => {
    const up = new FakeUpstream([role(), { wait: 10 }, [text("a"), finish(), usageOnly()]]);
    const r = await run(up, clocks({ finishGraceMs: 20 }));
    expect(r.chunks).toHaveLength(4);
    // One timer for the guard (the first read's deadline covers the rest) and one for the upstream's pause: none for a finish grace.
    expect(clock.armed).toBe(2);
  });

  it("starts the idle clock after a batch with payload, not the first-byte one", async () => {
    const up = new FakeUpstream([[role(), text("a")], "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ firstByteDeadline: 5_000, idleMs: 30 }));
    expect(since(start)).toBe(30);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "idle" });
    expect(r.chunks).toEqual([role(), text("a")]);
  });
});

describe("guardStream: cut streams", () => {
  it("throws stream-error when the upstream ends before any finish_reason", async () => {
    const up = new FakeUpstream([role(), text("half an ans")]);
    const r = await run(up, clocks());
    expect(failureOf(r)).toMatchObject({ kind: "stream-error" });
    expect(r.chunks).toHaveLength(2);
  });

  it("throws stream-error for an upstream that ends without sending anything", async () => {
    const r = await run(new FakeUpstream([]), clocks());
    expect(failureOf(r).kind).toBe("stream-error");
  });
});

describe("guardStream: upstream errors", () => {
  it("passes an error thrown by the upstream through unchanged, without aborting", async () => {
    const thrown = new UpstreamError({ kind: "stream-error", message: "Provider returned error", code: "502" });
    async function* failing(): AsyncGenerator<ChunkBatch> {
      yield [text("a")];
      throw thrown;
    }
    const aborts: UpstreamError[] = [];
    let caught: unknown;
    const seen: ChatChunk[] = [];
    try {
      for await (const b of guardStream(failing(), clocks(), (r) => aborts.push(r))) seen.push(...b);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(thrown);
    expect(seen).toEqual([text("a")]);
    expect(aborts).toEqual([]);
  });
});

describe("guardStream: clocks", () => {
  it("times out phase first-byte when no content arrives, and aborts the upstream", async () => {
    const up = new FakeUpstream([role(), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ firstByteDeadline: 30 }));
    expect(since(start)).toBe(30);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "first-byte" });
    expect(up.aborts).toEqual([r.error]);
    expect(r.chunks).toEqual([role()]);
  });

  it("does not count role-only, empty or reasoning chunks as the first byte", async () => {
    // Were they payload, the 10 ms idle clock would fire (phase idle) long before the first-byte deadline.
    const up = new FakeUpstream([role(), { wait: 2 }, chunk({ reasoning: "thinking" }), { wait: 2 }, chunk({ content: "" }), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ firstByteDeadline: 50, idleMs: 10 }));
    expect(since(start)).toBe(50);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "first-byte" });
    expect(r.state.sawPayload).toBe(false);
    expect(r.chunks).toHaveLength(3);
  });

  it("counts a tool-call delta as the first byte", async () => {
    const up = new FakeUpstream([chunk({ tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "" } }] }), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ firstByteDeadline: 50, idleMs: 10 }));
    expect(since(start)).toBe(10);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "idle" });
    expect(r.state.sawPayload).toBe(true);
  });

  it("times out phase idle when content stops, and aborts the upstream", async () => {
    const up = new FakeUpstream([text("a"), { wait: 2 }, text("b"), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ idleMs: 30 }));
    // The idle clock runs from the last chunk (at 2 ms), not from the start.
    expect(since(start)).toBe(32);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "idle" });
    expect(up.aborts).toEqual([r.error]);
    expect(r.chunks).toEqual([text("a"), text("b")]);
  });

  it("restarts the idle clock on every chunk", async () => {
    // 5 gaps of 12 ms under a 50 ms idle budget: longer than the budget in all, never in one gap.
    const up = new FakeUpstream([text("a"), { wait: 12 }, text("b"), { wait: 12 }, text("c"), { wait: 12 }, text("d"), { wait: 12 }, text("e"), { wait: 12 }, finish()]);
    const r = await run(up, clocks({ idleMs: 50 }));
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(6);
    expect(clock.pending).toBe(0);
  });

  it("times out phase total when the request deadline comes before the idle clock", async () => {
    const up = new FakeUpstream([text("a"), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ idleMs: 5_000, requestDeadline: 30 }));
    expect(since(start)).toBe(30);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "total" });
    expect(up.aborts).toEqual([r.error]);
  });

  it("times out phase total when the request deadline comes before the first-byte deadline", async () => {
    const up = new FakeUpstream(["hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ firstByteDeadline: 5_000, requestDeadline: 20 }));
    expect(since(start)).toBe(20);
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "total" });
  });

  it("bounds the finish grace by the request deadline too", async () => {
    const up = new FakeUpstream([text("a"), finish(), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ finishGraceMs: 5_000, requestDeadline: 30 }));
    expect(since(start)).toBe(30);
    // A finished answer is complete; a stalled tail is closed, not reported as a timeout.
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(2);
    expect(up.aborts).toHaveLength(1);
  });
});

describe("guardStream: early stop", () => {
  it("releases the upstream when the consumer stops reading", async () => {
    const up = new FakeUpstream([text("a"), text("b"), finish()]);
    for await (const b of guardStream(up, clocks(), up.abort)) {
      expect(b).toEqual([text("a")]);
      break;
    }
    expect(up.released).toBe(true);
    expect(up.pulled).toBe(1);
    expect(up.aborts).toEqual([]);
  });

  it("continues from a shared state: a resumed guard after payload runs the idle clock", async () => {
    const up = new FakeUpstream(["hang"]);
    const state = { sawPayload: true, finished: false };
    let error: unknown;
    const start = clock.now();
    const consume = async () => {
      for await (const _ of guardStream(up, clocks({ firstByteDeadline: 5_000, idleMs: 20 }), up.abort, state)) void _;
    };
    await runOn(clock, consume()).catch((err: unknown) => (error = err));
    expect(since(start)).toBe(20);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toEqual({ kind: "timeout", phase: "idle" });
  });
});

describe("guardStream: one watchdog timer", () => {
  it("keeps at most one timer of its own armed however many chunks arrive, and none after the end", async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 20; i++) steps.push(text(String(i)), { wait: 5 });
    steps.push(finish(), usageOnly());
    const up = new FakeUpstream(steps);
    let most = 0;
    const consume = async () => {
      // Between reads the upstream's own pause is not armed yet: every pending timer is the guard's.
      for await (const _ of guardStream(up, clocks({ idleMs: 50 }), up.abort)) most = Math.max(most, clock.pending);
    };
    await runOn(clock, consume());
    expect(most).toBe(1);
    expect(clock.pending).toBe(0);
    // 22 reads over 100 ms, 50 ms idle budget: a handful of armings (not one per read) beside the upstream's 20 pauses.
    expect(clock.armed - 20).toBeLessThanOrEqual(5);
  });

  it("re-arms lazily: a timer that fires before the moved-on deadline waits out the remainder", async () => {
    // Chunks every 30 ms under a 50 ms idle budget, then silence: timed out 50 ms after the last chunk.
    const up = new FakeUpstream([text("a"), { wait: 30 }, text("b"), { wait: 30 }, text("c"), "hang"]);
    const start = clock.now();
    const r = await run(up, clocks({ idleMs: 50 }));
    expect(failureOf(r)).toEqual({ kind: "timeout", phase: "idle" });
    expect(since(start)).toBe(60 + 50);
    expect(r.chunks).toEqual([text("a"), text("b"), text("c")]);
    expect(clock.pending).toBe(0);
  });
});
