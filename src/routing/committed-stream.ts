/**
 * The committed stream to the client: the held head first, then chunks as they arrive
 * (pulled one at a time — no buffering), in the wire format of the encoder it is given.
 * A failure after commit ends the stream with the encoder's failure (an error event and
 * no `[DONE]`, or response.failed), so no client mistakes a cut answer for a complete one.
 */
import type { ChainEntry } from "../config/aliases";
import { ClientGone } from "../lib/errors";
import { log } from "../lib/log";
import { redactSecrets } from "../lib/redact";
import type { ChatChunk } from "../openai/responses";
import { describeFailure } from "../providers/failures";
import { asUpstreamError } from "../providers/http";
import type { ProviderConfig } from "../providers/types";
import type { AttemptResult } from "./attempt";
import { classifyInterruption } from "./classify";
import type { RequestWalk } from "./context";
import type { StreamEncoder } from "./stream-encoders";

export interface CommittedStreamOptions {
  committed: Extract<AttemptResult, { kind: "committed" }>;
  entry: ChainEntry;
  provider: ProviderConfig;
  /** The client's wire format (chat chunks or Responses events). */
  encoder: StreamEncoder;
  /** The request's walk context; disposed when the stream ends, however it ends. */
  ctx: RequestWalk;
}

export function committedStream({ committed, entry, provider, encoder, ctx }: CommittedStreamOptions): ReadableStream<Uint8Array> {
  const model = entry.id;
  // The upstream's usage is counted even when the client did not ask to see it.
  let usage: ChatChunk["usage"];
  const finish = () => {
    committed.close();
    ctx.dispose();
  };
  const encode = (chunk: ChatChunk): Uint8Array | undefined => {
    if (chunk.usage) usage = chunk.usage;
    return encoder.chunk(chunk);
  };
  const interrupt = (err: unknown): Uint8Array => {
    const failure = asUpstreamError(err, new AbortController().signal).failure;
    const detail = redactSecrets(describeFailure(failure), provider);
    const { reason, error } = classifyInterruption(failure, model, detail);
    if (reason) {
      ctx.gate.report(provider.name, { kind: "failure", reason });
      ctx.observe.interrupted(entry, reason);
    }
    log("warn", "stream.failed_after_commit", { request_id: ctx.requestId, model, failure: detail });
    return encoder.fail(error);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const chunk of committed.head) {
          const bytes = encode(chunk);
          if (bytes) controller.enqueue(bytes);
        }
      },
      async pull(controller) {
        try {
          while (true) {
            const r = await committed.rest.next();
            if (r.done) {
              controller.enqueue(encoder.end());
              controller.close();
              finish();
              ctx.observe.completed(usage);
              return;
            }
            const bytes = encode(r.value);
            if (bytes) {
              controller.enqueue(bytes);
              return;
            }
          }
        } catch (err) {
          // Nobody is reading: not the provider's fault, nothing to report or send.
          if (!(ctx.signal.reason instanceof ClientGone)) controller.enqueue(interrupt(err));
          controller.close();
          finish();
        }
      },
      cancel() {
        // The client went away: stop reading and close the upstream at once.
        void committed.rest.return(undefined).catch(() => {});
        finish();
      },
    },
    { highWaterMark: 0 },
  );
}
