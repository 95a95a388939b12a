/** Between Hono and the walk: the plain values it needs for one request, and its answer sent back. */
import type { Context } from "hono";
import { createBreakerGate } from "../breaker/view";
import { systemClock } from "../lib/clock";
import { backgroundOf } from "../middleware/background";
import { observeLlm } from "../observability/llm-metrics";
import { recorderFor } from "../observability/recorder";
import type { Answer } from "../routing/answer";
import type { WalkScope } from "../routing/context";
import type { AppEnv } from "../types";

export function walkScope(c: Context<AppEnv>, streaming: boolean): WalkScope {
  const settings = c.get("settings");
  // Observed from arrival: the metrics' latency clock starts before the walk.
  const observe = observeLlm(recorderFor(c.env), { streaming, now: () => Date.now(), waitUntil: backgroundOf(c) });
  return {
    settings,
    providers: c.get("providers"),
    // The circuit breakers the walk consults; their reports travel via waitUntil.
    gate: createBreakerGate(c.env, settings, (p) => c.executionCtx.waitUntil(p)),
    requestId: c.get("requestId"),
    clientSignal: c.req.raw.signal,
    clock: systemClock,
    observe,
  };
}

/** The walk's answer as Hono sends it: JSON via c.json, a committed stream as is. */
export function respond(c: Context<AppEnv>, answer: Answer): Response {
  return answer.kind === "json" ? c.json(answer.body, 200, answer.headers) : new Response(answer.body, { status: 200, headers: answer.headers });
}
