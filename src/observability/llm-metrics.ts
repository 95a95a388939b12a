/**
 * The chain walk's metrics for one request: upstream calls, errors by attempt reason,
 * alias resolution, fallbacks, and — once the answer is complete, which for a stream is
 * long after the walk returned — latency and tokens of the entry that answered.
 */
import { isConfiguredEntry, type ChainEntry } from "../config/aliases";
import type { AttemptReason } from "../openai/errors";
import type { Usage } from "../openai/responses";
import { silentObserver, type WalkObserver } from "../routing/observer";
import { METRICS } from "./metric-defs";
import type { MetricsRecorder } from "./recorder";

export interface LlmObservation extends WalkObserver {
  /** The answer is complete (aggregated, or the stream ended): its latency and tokens. */
  completed(usage: Partial<Usage> | null | undefined): void;
  /** A committed stream failed before its end. */
  interrupted(entry: ChainEntry, reason: AttemptReason): void;
  /** A failed committed stream from `from` goes on with `to`'s continuation (mid-stream resume). */
  resumed(from: ChainEntry, to: ChainEntry): void;
}

export interface LlmObservationOptions {
  streaming: boolean;
  now(): number;
  /** The request's `waitUntil`: when the answer is done, its metrics leave the isolate soon, through it. */
  waitUntil(p: Promise<unknown>): void;
}

/** The `model` label of every model a client named directly: such names are unbounded, the config's are not. */
export const OTHER_MODEL = "other";

/** The labels of `entry`: its provider (always a configured one) and, if the config defined it, its model. */
function labelsOf(entry: ChainEntry): { provider: string; model: string } {
  return { provider: entry.provider, model: isConfiguredEntry(entry) ? entry.model : OTHER_MODEL };
}

export function observeLlm(recorder: MetricsRecorder | undefined, opts: LlmObservationOptions): LlmObservation {
  if (!recorder) return { ...silentObserver, completed: () => {}, interrupted: () => {}, resumed: () => {} };
  const streaming = String(opts.streaming);
  let callStartedAt = opts.now();
  let answering: { entry: ChainEntry; startedAt: number } | undefined;
  const failed = (entry: ChainEntry, reason: AttemptReason) => recorder.inc(METRICS.llmErrors, { ...labelsOf(entry), error_type: reason });

  return {
    calling(entry) {
      recorder.inc(METRICS.llmRequests, { ...labelsOf(entry), streaming });
      callStartedAt = opts.now();
    },
    failed,
    answered(chain, entry, attempts) {
      if (chain.alias) recorder.inc(METRICS.aliasResolved, { alias: chain.alias, target: entry.id });
      const first = attempts[0];
      if (first) recorder.inc(METRICS.fallback, { from_model: first.model, to_model: entry.id, reason: first.reason });
      answering = { entry, startedAt: callStartedAt };
    },
    malformed(entry) {
      recorder.inc(METRICS.malformedEvents, labelsOf(entry));
    },
    completed(usage) {
      if (!answering) return;
      const { entry, startedAt } = answering;
      answering = undefined;
      const labels = labelsOf(entry);
      recorder.observe(METRICS.llmLatency, labels, Math.max(0, opts.now() - startedAt) / 1000);
      if (typeof usage?.prompt_tokens === "number") recorder.inc(METRICS.tokens, { ...labels, type: "prompt" }, usage.prompt_tokens);
      if (typeof usage?.completion_tokens === "number") recorder.inc(METRICS.tokens, { ...labels, type: "completion" }, usage.completion_tokens);
      recorder.flushSoon(opts.waitUntil);
    },
    interrupted(entry, reason) {
      answering = undefined;
      failed(entry, reason);
      recorder.flushSoon(opts.waitUntil);
    },
    resumed(from, to) {
      recorder.inc(METRICS.fallback, { from_model: from.id, to_model: to.id, reason: "resume" });
      // Latency and tokens of the whole answer go to the entry that finished it.
      answering = { entry: to, startedAt: answering?.startedAt ?? callStartedAt };
    },
  };
}
