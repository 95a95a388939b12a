/** Builds the walk's context for one HTTP request: budget, abort wiring, breaker gate. */
import type { Context } from "hono";
import type { BreakerGate } from "../breaker/gate";
import { createBreakerGate } from "../breaker/view";
import { UpstreamError } from "../providers/failures";
import type { AppEnv } from "../types";
import type { WalkContext } from "./walk";
import type { WalkObserver } from "./observer";

/** The circuit breakers the walk consults for this request; reports travel via waitUntil. */
function gateFor(c: Context<AppEnv>): BreakerGate {
  return createBreakerGate(c.env, c.get("settings"), (p) => c.executionCtx.waitUntil(p));
}

export function walkContext(c: Context<AppEnv>, observe: WalkObserver): WalkContext & { dispose(): void } {
  const settings = c.get("settings");
  const now = () => Date.now();
  const deadline = now() + settings.requestTimeoutMs;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new UpstreamError({ kind: "timeout", phase: "total" })), settings.requestTimeoutMs);
  const onClientGone = () => ac.abort(new ClientGone());
  c.req.raw.signal?.addEventListener("abort", onClientGone);
  return {
    settings,
    providers: c.get("providers"),
    gate: gateFor(c),
    requestId: c.get("requestId"),
    deadline,
    signal: ac.signal,
    now,
    observe,
    dispose() {
      clearTimeout(timer);
      c.req.raw.signal?.removeEventListener("abort", onClientGone);
    },
  };
}

/** The client disconnected: stop everything, answer nobody. */
export class ClientGone extends Error {
  constructor() {
    super("client disconnected");
    this.name = "ClientGone";
  }
}
