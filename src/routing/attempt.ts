/**
 * One call to one chain entry, under the router's clocks. In "aggregate" mode it returns
 * the complete answer; in "stream" mode it returns once the first content or tool chunk
 * (or a finish) arrived — the commit point — with the rest of the stream still to read.
 */
import type { ChainEntry } from "../config/aliases";
import type { ChatRequest } from "../openai/schemas";
import { completionId, type ChatChunk, type ChatCompletion } from "../openai/responses";
import { UpstreamError } from "../providers/failures";
import { abortFailure, upstreamFailureOf } from "../providers/http";
import type { ChunkBatch, ProviderAdapter, ProviderConfig } from "../providers/types";
import { CompletionAggregator } from "./aggregate";
import type { Clock } from "../lib/clock";
import { guardStream } from "./guarded-stream";
import { isTimedOut, Watchdog } from "./watchdog";

interface AttemptClocks {
  firstByteMs: number;
  idleMs: number;
  requestDeadline: number;
  finishGraceMs: number;
  clock: Clock;
}

export interface AttemptInput {
  entry: ChainEntry;
  provider: ProviderConfig;
  adapter: ProviderAdapter;
  request: ChatRequest;
  clocks: AttemptClocks;
  /** The request-level signal: client gone or the whole budget spent. */
  parent: AbortSignal;
  onMalformed(detail: string): void;
}

export type AttemptResult =
  | { kind: "complete"; completion: ChatCompletion }
  | {
      kind: "committed";
      /** Everything read up to and including the commit chunk (role chunk first). */
      head: ChatChunk[];
      rest: AsyncGenerator<ChunkBatch>;
      /** Releases the upstream connection and listeners; safe to call twice. */
      close(): void;
    };

/** The reason a released attempt's upstream call is aborted with: one instance, as an Error is not free to make. */
const RELEASED = new UpstreamError({ kind: "stream-error", message: "released by the router" });

export async function attemptChat(input: AttemptInput, mode: "stream" | "aggregate"): Promise<AttemptResult> {
  const { clocks } = input;
  const now = () => clocks.clock.now();
  // The attempt's one timer: the opening and every read of the stream share it.
  const watchdog = new Watchdog(clocks.clock);
  const ac = new AbortController();
  const abort = (reason: unknown) => {
    if (!ac.signal.aborted) ac.abort(reason);
  };
  const onParentAbort = () => abort(input.parent.reason);
  const aborted = abortFailure(input.parent);
  if (aborted) throw aborted;
  input.parent.addEventListener("abort", onParentAbort);
  const close = (release = true) => {
    watchdog.stop();
    input.parent.removeEventListener("abort", onParentAbort);
    if (release) abort(RELEASED);
  };

  let answered = false;
  try {
    const start = now();
    const firstByteDeadline = start + clocks.firstByteMs;
    const opening = input.adapter.chat({
      provider: input.provider,
      model: input.entry.model,
      request: input.request,
      signal: ac.signal,
      onMalformed: input.onMalformed,
    });
    const opened = await watchdog.race(opening, Math.min(firstByteDeadline, clocks.requestDeadline));
    answered = !isTimedOut(opened);
    if (isTimedOut(opened)) {
      opening.catch(() => {});
      const err = new UpstreamError({ kind: "timeout", phase: firstByteDeadline <= clocks.requestDeadline ? "first-byte" : "total" });
      abort(err);
      throw err;
    }
    const state = { sawPayload: false, finished: false };
    const guarded = guardStream(opened, { ...clocks, firstByteDeadline }, abort, state, watchdog);

    if (mode === "aggregate") {
      const agg = new CompletionAggregator();
      for await (const batch of guarded) for (const chunk of batch) agg.add(chunk);
      // Read to its end (or cancelled by the guard after a complete answer): nothing to abort.
      close(false);
      return { kind: "complete", completion: agg.result(input.entry.id, completionId, now()) };
    }

    const head: ChatChunk[] = [];
    while (!state.sawPayload && !state.finished) {
      const r = await guarded.next();
      if (r.done) break;
      for (const chunk of r.value) head.push(chunk);
    }
    return { kind: "committed", head, rest: guarded, close: () => close() };
  } catch (err) {
    // A typed failure, or our own bug rethrown as it is (the walk tells them apart).
    const failure = upstreamFailureOf(err, ac.signal) ?? err;
    // A connect that failed before any answer left nothing to release: no abort to dispatch.
    close(answered || !(failure instanceof UpstreamError && failure.failure.kind === "connect"));
    throw failure;
  }
}
