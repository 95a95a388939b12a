/**
 * The two wire formats a committed stream can speak (one walk, two front ends): chat
 * completion chunks ending in `[DONE]`, or typed Responses events ending in
 * response.completed / response.incomplete. After a failure past the commit point each
 * ends in its own error shape: one `error` event without `[DONE]`, or `response.failed`.
 */
import type { ApiError } from "../openai/errors";
import { errorEvent } from "../openai/errors";
import type { ChatChunk } from "../openai/responses";
import { frameResponsesEvent, type ResponseStreamEvent, type ResponsesStreamEncoder } from "../openai/responses-api";
import { SSE_DONE, sseData } from "../streaming/encode";

export interface StreamEncoder {
  /** The SSE text for one upstream chunk; none when it carries nothing for this client. */
  chunk(chunk: ChatChunk): string | undefined;
  /** The upstream ended normally. */
  end(): string;
  /** The stream failed after commit: the last text the client gets. */
  fail(error: ApiError): string;
  /** A later entry continues the answer (mid-stream resume): name it from now on. */
  continuedBy(model: string): void;
}

/** Chat completion chunks, each naming the entry that answers; usage only when asked for. */
export function chatSseEncoder(answeredBy: string, includeUsage: boolean): StreamEncoder {
  let model = answeredBy;
  return {
    chunk(chunk) {
      const out: ChatChunk = { ...chunk, model };
      if (!includeUsage) {
        delete out.usage;
        if (out.choices.length === 0) return undefined;
      }
      return sseData(out);
    },
    end: () => SSE_DONE,
    fail: (error) => sseData(errorEvent(error)),
    continuedBy(next) {
      model = next;
    },
  };
}

/** Responses events from the pure encoder, framed as `event:` + `data:` blocks. */
export function responsesSseEncoder(encoder: ResponsesStreamEncoder): StreamEncoder {
  return {
    chunk: (chunk) => frame(encoder.push(chunk)),
    end: () => frame(encoder.finish()) ?? "",
    fail: (error) => frame(encoder.fail({ code: error.code, message: error.message })) ?? "",
    continuedBy: (model) => encoder.answeredBy(model),
  };
}

function frame(events: ResponseStreamEvent[]): string | undefined {
  if (events.length === 0) return undefined;
  return events.map(frameResponsesEvent).join("");
}
