/**
 * Builds the walk's context for one request from plain values (no HTTP framework here):
 * the budget, the abort wiring, and the disposal that releases both.
 */
import type { BreakerGate } from "../breaker/gate";
import type { Settings } from "../config/settings";
import type { Clock } from "../lib/clock";
import { ClientGone } from "../lib/errors";
import { UpstreamError } from "../providers/failures";
import type { ProviderConfig } from "../providers/types";
import type { RequestObserver } from "./observer";
import type { WalkContext } from "./walk";

/** What the route hands over for one request. */
export interface WalkScope {
  settings: Settings;
  providers: ReadonlyMap<string, ProviderConfig>;
  gate: BreakerGate;
  requestId: string;
  /** The client's request signal: aborts when the client disconnects. */
  clientSignal: AbortSignal | undefined;
  clock: Clock;
  observe: RequestObserver;
}

/** A walk context that also owns the request's timer and listeners until `dispose()`. */
export interface RequestWalk extends WalkContext {
  observe: RequestObserver;
  /** Releases the budget timer and the client listener; safe to call twice. */
  dispose(): void;
}

export function walkContext(scope: WalkScope): RequestWalk {
  const { settings, clock, clientSignal } = scope;
  const deadline = clock.now() + settings.requestTimeoutMs;
  const ac = new AbortController();
  const cancelBudget = clock.setTimer(() => ac.abort(new UpstreamError({ kind: "timeout", phase: "total" })), settings.requestTimeoutMs);
  const onClientGone = () => ac.abort(new ClientGone());
  clientSignal?.addEventListener("abort", onClientGone);
  const held: (() => void)[] = [];
  return {
    settings,
    providers: scope.providers,
    gate: scope.gate,
    requestId: scope.requestId,
    deadline,
    signal: ac.signal,
    clock,
    observe: scope.observe,
    hold(release) {
      held.push(release);
    },
    dispose() {
      cancelBudget();
      clientSignal?.removeEventListener("abort", onClientGone);
      for (const release of held.splice(0)) release();
    },
  };
}
