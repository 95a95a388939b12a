/**
 * What the chain walk needs from the circuit breakers. The request path asks `admit`
 * before calling an entry and `report`s every outcome; reports travel off the critical
 * path (ctx.waitUntil). src/breaker/view.ts implements it over the ProviderHealth
 * Durable Objects with an isolate cache.
 */
export type BreakerOutcome = { kind: "success" } | { kind: "failure"; reason: string } | { kind: "rate-limited"; retryAfterS?: number };

/** A capacity slot held for one request; released once (a second call does nothing). */
export interface CapacityLease {
  release(): void;
}

export interface BreakerGate {
  /** True when the provider may be called now (closed, or this request got the half-open trial permit). */
  admit(provider: string): Promise<boolean>;
  /** After a denied admit: epoch ms when the provider's breaker half-opens (now when it already has), if known. */
  reopensAt(provider: string): number | undefined;
  /** Records an outcome without blocking the caller. */
  report(provider: string, outcome: BreakerOutcome): void;
  /** A slot among `max` concurrent requests across isolates, or undefined when all are taken. */
  lease(provider: string, max: number): Promise<CapacityLease | undefined>;
  /** Whether `model` is in the provider's memory, from the verdict `admit` cached (unknown counts as loaded). */
  isCold(provider: string, model: string): boolean;
  /** Loads `model` in the background, once across isolates; `load` resolves true when it is in memory. */
  warm(provider: string, model: string, load: (signal: AbortSignal) => Promise<boolean>): void;
  /** A request just answered from `model`: it is in memory now. */
  loaded(provider: string, model: string): void;
}
