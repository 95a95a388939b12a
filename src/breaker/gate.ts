/**
 * What the chain walk needs from the circuit breakers. The request path asks `admit`
 * before calling an entry and `report`s every outcome; reports travel off the critical
 * path (ctx.waitUntil). src/breaker/view.ts implements it over the ProviderHealth
 * Durable Objects with an isolate cache.
 */
export type BreakerOutcome = { kind: "success" } | { kind: "failure"; reason: string } | { kind: "rate-limited"; retryAfterS?: number };

export interface BreakerGate {
  /** True when the provider may be called now (closed, or this request got the half-open trial permit). */
  admit(provider: string): Promise<boolean>;
  /** After a denied admit: epoch ms when the provider's breaker half-opens (now when it already has), if known. */
  reopensAt(provider: string): number | undefined;
  /** Records an outcome without blocking the caller. */
  report(provider: string, outcome: BreakerOutcome): void;
}
