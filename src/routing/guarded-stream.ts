/**
 * Puts the router's clocks on an upstream chunk stream: first byte, idle, total. Also
 * decides completeness: a stream that ends before any `finish_reason` is cut; one that
 * carried a finish is complete even without `[DONE]`, and does not wait for it.
 */
import type { Clock } from "../lib/clock";
import { hasPayload } from "../openai/responses";
import { UpstreamError } from "../providers/failures";
import type { ChunkBatch } from "../providers/types";
import { isTimedOut, Watchdog } from "./watchdog";

export interface StreamClocks {
  /** Epoch ms by which the first content/tool chunk must have arrived. */
  firstByteDeadline: number;
  idleMs: number;
  /** Epoch ms when the whole request's budget ends. */
  requestDeadline: number;
  /** How long to wait for a usage chunk (or the end) after a finish. */
  finishGraceMs: number;
  clock: Clock;
}

/**
 * Yields the upstream's chunk batches under the clocks. On a timeout it aborts the upstream
 * (`abort(reason)`) and throws the typed timeout; when the consumer stops early the
 * upstream is aborted too. Each read's deadline is computed when it starts, from the
 * state the chunks so far left; the attempt's one watchdog enforces it. A batch is one
 * read: its chunks arrived together, so no clock runs between them.
 */
export async function* guardStream(
  source: AsyncIterable<ChunkBatch>,
  clocks: StreamClocks,
  abort: (reason: UpstreamError) => void,
  state: { sawPayload: boolean; finished: boolean } = { sawPayload: false, finished: false },
  watchdog: Watchdog = new Watchdog(clocks.clock),
): AsyncGenerator<ChunkBatch> {
  const it = source[Symbol.asyncIterator]();
  let clean = false;
  try {
    while (true) {
      const now = clocks.clock.now();
      let phase: "first-byte" | "idle" | "total";
      let wait: number;
      if (state.finished) {
        phase = "idle";
        wait = clocks.finishGraceMs;
      } else if (!state.sawPayload) {
        phase = "first-byte";
        wait = clocks.firstByteDeadline - now;
      } else {
        phase = "idle";
        wait = clocks.idleMs;
      }
      if (clocks.requestDeadline - now < wait) {
        phase = "total";
        wait = clocks.requestDeadline - now;
      }
      const pending = it.next();
      const r = await watchdog.race(pending, now + wait);
      if (isTimedOut(r)) {
        pending.catch(() => {}); // settles with the abort below; nobody reads it
        if (state.finished) {
          // Finished but the upstream never closed or sent usage: the answer is complete;
          // close the upstream without waiting for it.
          clean = true;
          abort(new UpstreamError({ kind: "stream-error", message: "closed by the router after a complete answer" }));
          return;
        }
        const err = new UpstreamError({ kind: "timeout", phase });
        abort(err);
        throw err;
      }
      if (r.done) {
        if (!state.finished) throw new UpstreamError({ kind: "stream-error", message: "upstream stream ended before the answer was complete" });
        clean = true;
        return;
      }
      const batch = r.value;
      let end = batch.length;
      let last = false;
      for (let i = 0; i < batch.length; i++) {
        const chunk = batch[i]!;
        if (hasPayload(chunk)) state.sawPayload = true;
        const finishing = chunk.choices.some((c) => c.finish_reason != null);
        const wasFinished = state.finished;
        if (finishing) state.finished = true;
        // Usage after (or with) the finish is the last thing an OpenAI stream sends.
        if ((wasFinished || finishing) && chunk.usage) {
          end = i + 1;
          last = true;
          break;
        }
      }
      if (end > 0) yield end === batch.length ? batch : batch.slice(0, end);
      if (last) {
        clean = true;
        return;
      }
    }
  } finally {
    watchdog.stop();
    // Stopped early (consumer gone, error) or finished before the upstream closed: release
    // it. Never await this: a generator with a pending read only returns after that read.
    if (!clean || state.finished) void it.return?.()?.catch(() => {});
  }
}
