/**
 * Mid-stream resume (DESIGN.md § Mid-stream resume, opt-in per alias): when a committed
 * stream fails, the original messages plus one assistant message holding exactly the text
 * the client already has go to the next entries declared able to continue a prefill; only
 * the continuation's content reaches the client. Anything that cannot be continued safely
 * (a tool call, blocked content, several choices) is not.
 */
import type { ChainEntry } from "../config/aliases";
import { RouterError } from "../lib/errors";
import { errorText, log } from "../lib/log";
import type { ChatChunk } from "../openai/responses";
import type { ChatRequest } from "../openai/schemas";
import type { UpstreamFailure } from "../providers/failures";
import type { ChunkBatch, ProviderConfig } from "../providers/types";
import type { AttemptResult } from "./attempt";
import type { RequestWalk } from "./context";
import type { ResolvedChain } from "./resolve";
import { walkChat } from "./walk";

/** One upstream's share of the committed stream. */
export interface StreamPart {
  entry: ChainEntry;
  provider: ProviderConfig;
  head: readonly ChatChunk[];
  rest: AsyncGenerator<ChunkBatch>;
  close(): void;
}

export interface Resumer {
  /** A chunk went to the client: its text is part of the prefill. */
  sent(chunk: ChatChunk): void;
  /** After `failure` of `failed`'s part: the continuation from a later entry, or undefined. */
  continueAfter(failure: UpstreamFailure, failed: ChainEntry): Promise<StreamPart | undefined>;
}

/** The router, not the provider, refused a continuation: nothing for the breaker. */
export class ContinuationRefused extends RouterError {
  constructor(message: string) {
    super(message);
    this.name = "ContinuationRefused";
  }
}

const NOT_PREFILL = "cannot continue a prefill (declare prefill: true to allow mid-stream resume)";

export function resumer(chain: ResolvedChain, request: ChatRequest, ctx: RequestWalk): Resumer | undefined {
  // One choice only: a prefill continues one message.
  if (!chain.resume || (request.n ?? 1) !== 1) return undefined;
  let delivered = "";
  let toolCall = false;
  return {
    sent(chunk) {
      for (const c of chunk.choices) {
        if (c.index !== 0) continue;
        if (typeof c.delta.content === "string") delivered += c.delta.content;
        if (c.delta.tool_calls?.length) toolCall = true;
      }
    },
    async continueAfter(failure, failed) {
      const why = toolCall ? "a tool call cannot be continued" : failure.kind === "blocked" ? "blocked content is not retried" : undefined;
      const from = chain.entries.indexOf(failed);
      if (why || from < 0) {
        log("info", "stream.resume_skipped", { request_id: ctx.requestId, model: failed.id, why: why ?? "not in the chain" });
        return undefined;
      }
      const later: ResolvedChain = { ...chain, entries: chain.entries.slice(from + 1) };
      const prefilled: ChatRequest = { ...request, messages: [...request.messages, { role: "assistant", content: delivered }] };
      // The sub-walk's own answer is a resume, not a second alias resolution. (Its failure
      // details were redacted by the walk; the one that triggered it is logged by the caller.)
      const sub = { ...ctx, observe: { ...ctx.observe, answered: () => {} } };
      try {
        const walked = await walkChat(sub, later, prefilled, "stream", (e) => (ctx.providers.get(e.provider)?.prefill ? undefined : NOT_PREFILL));
        const committed = walked.value as Extract<AttemptResult, { kind: "committed" }>;
        const { kept: head, refused } = continuation(committed.head);
        // Nothing usable before the refusal: the resume fails here, and the original error stands.
        if (refused && head.length === 0) {
          committed.close();
          throw refused;
        }
        log("info", "stream.resumed", { request_id: ctx.requestId, from: failed.id, to: walked.entry.id, failure: failure.kind, prefill_chars: delivered.length });
        // Text that came before a refusal in the same read is delivered; the stream then fails as if it came later.
        if (refused) void committed.rest.return(undefined).catch(() => {});
        return { entry: walked.entry, provider: walked.provider, head, rest: continued(committed.rest, refused), close: committed.close };
      } catch (err) {
        // Reported as the original failure by the caller: never the continuation's rejection.
        log("warn", "stream.resume_failed", { request_id: ctx.requestId, model: failed.id, error: errorText(err) });
        return undefined;
      }
    },
  };
}

/**
 * The continuation's chunks as the client may see them: no second role, never a tool call.
 * A tool call refuses the rest (`refused`); what came before it in the same read is kept, as
 * it would have been had it arrived in a read of its own.
 */
function continuation(chunks: readonly ChatChunk[]): { kept: ChatChunk[]; refused?: ContinuationRefused } {
  const kept: ChatChunk[] = [];
  for (const chunk of chunks) {
    let plain: ChatChunk | undefined;
    try {
      plain = asContinuation(chunk);
    } catch (err) {
      if (err instanceof ContinuationRefused) return { kept, refused: err };
      throw err;
    }
    if (plain) kept.push(plain);
  }
  return { kept };
}

/** The rest of a continuation; `refused`: its head already ended in a refusal, so the first read fails. */
async function* continued(rest: AsyncGenerator<ChunkBatch>, refused?: ContinuationRefused): AsyncGenerator<ChunkBatch> {
  try {
    if (refused) throw refused;
    for await (const batch of rest) {
      const { kept, refused: refusal } = continuation(batch);
      if (kept.length > 0) yield kept;
      if (refusal) throw refusal;
    }
  } finally {
    // Stopped early (the consumer left, or a tool call below): release the upstream.
    void rest.return(undefined).catch(() => {});
  }
}

function asContinuation(chunk: ChatChunk): ChatChunk | undefined {
  const choices: ChatChunk["choices"] = [];
  for (const c of chunk.choices) {
    // Text already sent cannot turn into a tool call afterwards: fail, and the original error stands.
    if (c.delta.tool_calls?.length) throw new ContinuationRefused("the continuation produced a tool call");
    const delta = { ...c.delta };
    delete delta.role;
    const empty = (delta.content === undefined || delta.content === null || delta.content === "") && delta.reasoning === undefined;
    if (empty && c.finish_reason == null) continue;
    choices.push({ ...c, delta });
  }
  if (choices.length === 0 && !chunk.usage) return undefined;
  return { ...chunk, choices };
}
