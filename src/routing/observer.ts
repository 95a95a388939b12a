/**
 * What the chain walk tells the outside world as it goes (metrics implement it:
 * src/observability/llm-metrics.ts). Each call is a fact; none may throw or block.
 */
import type { ChainEntry } from "../config/aliases";
import type { Attempt, AttemptReason } from "../openai/errors";
import type { Usage } from "../openai/responses";
import type { ResolvedChain } from "./resolve";

export interface WalkObserver {
  /** An upstream call to `entry` starts (a same-entry retry is a second call). */
  calling(entry: ChainEntry): void;
  /** `entry` was skipped, or a call to it failed, for `reason`. */
  failed(entry: ChainEntry, reason: AttemptReason): void;
  /** `entry` answered; `attempts` are the entries skipped or failed before it. */
  answered(chain: ResolvedChain, entry: ChainEntry, attempts: readonly Attempt[]): void;
  /** An unreadable upstream event from `entry` was skipped. */
  malformed(entry: ChainEntry): void;
}

/** Observes nothing (callers of the walk that keep no metrics). */
export const silentObserver: WalkObserver = {
  calling: () => {},
  failed: () => {},
  answered: () => {},
  malformed: () => {},
};

/** A whole request's observer: the walk's facts, then how the answer ended. */
export interface RequestObserver extends WalkObserver {
  /** The answer is complete (aggregated, or the stream ended): its latency and tokens. */
  completed(usage: Partial<Usage> | null | undefined): void;
  /** A committed stream failed before its end. */
  interrupted(entry: ChainEntry, reason: AttemptReason): void;
  /** A failed committed stream from `from` goes on with `to`'s continuation (mid-stream resume). */
  resumed(from: ChainEntry, to: ChainEntry): void;
}
