/**
 * The committed stream to the client: the held head first, then chunks as they arrive
 * (pulled one upstream read at a time — no buffering), in the wire format of the encoder it is given.
 * A failure after commit ends the stream with the encoder's failure (an error event and
 * no `[DONE]`, or response.failed), so no client mistakes a cut answer for a complete one —
 * unless the alias opted in to resume and a later entry continues the answer (resume.ts).
 */
import type { ChainEntry } from "../config/aliases";
import { asRouterError, ClientGone } from "../lib/errors";
import { log } from "../lib/log";
import { redactSecrets } from "../lib/redact";
import { ApiError } from "../openai/errors";
import type { ChatChunk, Usage } from "../openai/responses";
import { describeFailure, UpstreamError, type UpstreamFailure } from "../providers/failures";
import { upstreamFailureOf } from "../providers/http";
import type { ProviderConfig } from "../providers/types";
import type { AttemptResult } from "./attempt";
import { classifyInterruption } from "./classify";
import type { RequestWalk } from "./context";
import { ContinuationRefused, type Resumer, type StreamPart } from "./resume";
import type { StreamEncoder } from "./stream-encoders";

export interface CommittedStreamOptions {
  committed: Extract<AttemptResult, { kind: "committed" }>;
  entry: ChainEntry;
  provider: ProviderConfig;
  /** The client's wire format (chat chunks or Responses events). */
  encoder: StreamEncoder;
  /** The request's walk context; disposed when the stream ends, however it ends. */
  ctx: RequestWalk;
  /** Continues a failed stream on a later entry (an alias with `resume: true`). */
  resume?: Resumer;
}

/** Each write is encoded once: the encoders speak text. */
const utf8 = new TextEncoder();

export function committedStream({ committed, entry, provider, encoder, ctx, resume }: CommittedStreamOptions): ReadableStream<Uint8Array> {
  let part: StreamPart = { entry, provider, ...committed };
  // The upstream's usage is counted even when the client did not ask to see it; a resumed
  // answer's usage is the sum of its parts.
  let usage: Usage | undefined;
  let carried: Usage | undefined;
  /** Set once resumed: the first part's identity and its failure, rendered only if the stream ends on it. */
  let resumed: { id: string; created: number; original: ApiError } | undefined;
  let first: { id: string; created: number } | undefined;
  let cancelled = false;
  const total = () => sumUsage(carried, usage);
  /** The answer's tool calls (choice 0) by index: whether any delta named the function. */
  const named = new Map<number, boolean>();
  const finish = () => {
    part.close();
    ctx.dispose();
  };
  const encode = (chunk: ChatChunk): string | undefined => {
    resume?.sent(chunk);
    for (const c of chunk.choices) {
      if (c.index !== 0 || !c.delta.tool_calls) continue;
      for (const call of c.delta.tool_calls) named.set(call.index, named.get(call.index) === true || Boolean(call.function?.name));
    }
    first ??= { id: chunk.id, created: chunk.created };
    if (chunk.usage) usage = chunk.usage;
    if (!resumed) return encoder.chunk(chunk);
    // One answer to the client: the continuation keeps the first part's id, its usage is the sum.
    const out: ChatChunk = { ...chunk, id: resumed.id, created: resumed.created };
    if (out.usage) out.usage = total();
    return encoder.chunk(out);
  };
  /** Reports `failure` of `during` (breaker, log); its error is what the client sees if the stream ends on it. */
  const interrupt = (failure: UpstreamFailure, during: StreamPart): { error: ApiError; reason?: "timeout" | "stream-error" } => {
    const model = during.entry.id;
    const detail = redactSecrets(describeFailure(failure), during.provider);
    const { reason, error } = classifyInterruption(failure, model, detail);
    if (reason) ctx.gate.report(during.provider.name, { kind: "failure", reason });
    log("warn", "stream.failed_after_commit", { request_id: ctx.requestId, model, failure: detail });
    return { error, reason };
  };
  /** Sends chunks in one write (a held head, a batch); how many encoded to something. */
  // A held head leaves in one write: the first token should not wait behind the role chunk's.
  const enqueueChunks = (controller: ReadableStreamDefaultController<Uint8Array>, chunks: readonly ChatChunk[]): number => {
    let text = "";
    let sent = 0;
    for (const chunk of chunks) {
      const framed = encode(chunk);
      if (framed === undefined) continue;
      text += framed;
      sent++;
    }
    if (sent > 0) controller.enqueue(utf8.encode(text));
    return sent;
  };
  /** The stream's last write (its end, or the failure that ends it), then the close. */
  const closeWith = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    if (text) controller.enqueue(utf8.encode(text));
    controller.close();
  };
  const internalError = (err: unknown): string => {
    const ours = asRouterError(err);
    log("error", "stream.internal_error", { request_id: ctx.requestId, model: part.entry.id, ...ours.logLine()?.fields });
    const v = ours.view(ctx.requestId);
    return encoder.fail(new ApiError(v.status, v.message, { type: v.type, code: v.code }));
  };
  /** After a failure: the continuation part (already swapped in), or the event that ends the stream. */
  const afterFailure = async (err: unknown): Promise<string | undefined> => {
    if (err instanceof ContinuationRefused && resumed) {
      log("warn", "stream.resume_failed", { request_id: ctx.requestId, model: part.entry.id, error: err.message });
      // The entry could not continue this answer: not a provider failure, so no breaker report.
      ctx.observe.interrupted(part.entry, "incapable");
      return encoder.fail(resumed.original);
    }
    const upstream = upstreamFailureOf(err, ctx.signal);
    // Our own bug (an encoder, a converter): an internal_error event, the stack in the log, no breaker charged, no resume.
    if (!upstream) return internalError(err);
    const failure = upstream.failure;
    const failed = part;
    const { error, reason } = interrupt(failure, failed);
    const next = !resumed && resume && first ? await resume.continueAfter(failure, failed.entry) : undefined;
    // The client left while a continuation was sought: nobody is reading any more.
    const gone = cancelled || ctx.signal.reason instanceof ClientGone;
    if (next && gone) next.close();
    if (!next || gone) {
      if (reason) ctx.observe.interrupted(failed.entry, reason);
      // A failed continuation reports the original failure, never its own.
      return encoder.fail(resumed?.original ?? error);
    }
    if (reason) ctx.observe.failed(failed.entry, reason);
    ctx.observe.resumed(failed.entry, next.entry);
    encoder.continuedBy(next.entry.id);
    failed.close();
    resumed = { ...first!, original: error };
    carried = total();
    usage = undefined;
    part = next;
    return undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // The held head is encoded here, inside the same handling as every later chunk.
        try {
          enqueueChunks(controller, part.head);
        } catch (err) {
          closeWith(controller, internalError(err));
          finish();
        }
      },
      async pull(controller) {
        while (true) {
          try {
            while (true) {
              const r = await part.rest.next();
              if (r.done) {
                // A tool call no delta named is no call a client can make: the upstream's fault, as the
                // aggregated answer refuses it (aggregate.ts) — the stream ends in an error, not [DONE].
                if ([...named.values()].includes(false)) throw new UpstreamError({ kind: "malformed", message: "a tool call without a function name" });
                closeWith(controller, encoder.end());
                finish();
                ctx.observe.completed(total());
                return;
              }
              // A batch (one upstream read) leaves in one write.
              if (enqueueChunks(controller, r.value) > 0) return;
            }
          } catch (err) {
            // Nobody is reading: not the provider's fault, nothing to report or send.
            if (ctx.signal.reason instanceof ClientGone || cancelled) {
              if (!cancelled) controller.close();
              finish();
              return;
            }
            const end = await afterFailure(err);
            if (cancelled) return;
            if (ctx.signal.reason instanceof ClientGone) {
              controller.close();
              finish();
              return;
            }
            if (end !== undefined) {
              closeWith(controller, end);
              finish();
              return;
            }
            if (enqueueChunks(controller, part.head) > 0) return;
          }
        }
      },
      cancel() {
        // The client went away: stop reading and close the upstream at once.
        cancelled = true;
        void part.rest.return(undefined).catch(() => {});
        finish();
      },
    },
    { highWaterMark: 0 },
  );
}

function sumUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a || !b) return a ?? b;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}
