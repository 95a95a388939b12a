/**
 * The local GPU's part of the chain walk (DESIGN.md § The local GPU): before an admitted
 * entry is called, a cold model is skipped while it warms, and a limited provider hands
 * out a capacity lease or is skipped as full. Both leave the breaker alone.
 */
import type { BreakerGate, CapacityLease } from "../breaker/gate";
import type { ChainEntry } from "../config/aliases";
import type { Clock } from "../lib/clock";
import type { Attempt } from "../openai/errors";
import type { ProviderAdapter, ProviderConfig } from "../providers/types";
import type { WalkObserver } from "./observer";
import type { ResolvedChain } from "./resolve";

/** What of the walk's context this needs. */
interface GpuWalk {
  gate: BreakerGate;
  clock: Clock;
  observe: WalkObserver;
}

export interface GpuCandidate {
  entry: ChainEntry;
  provider: ProviderConfig;
  adapter: ProviderAdapter;
  /** The model is not in the GPU's memory: this call loads it first (a longer first-byte budget). */
  cold: boolean;
}

/** A later entry this request could use (configured, not skipped), so a cold model need not be waited for. */
export function hasLaterEntry(providers: ReadonlyMap<string, ProviderConfig>, chain: ResolvedChain, index: number, skip: ((e: ChainEntry) => unknown) | undefined): boolean {
  return chain.entries.slice(index + 1).some((e) => providers.get(e.provider)?.configured === true && !skip?.(e));
}

/**
 * The local GPU's pre-call skips (DESIGN.md § The local GPU): a cold model is warmed in the
 * background while a later entry answers; a full provider is skipped. Neither touches the
 * breaker. Returns the lease to hold, null to skip the entry, undefined for no limit.
 */
export async function gpuAdmission(ctx: GpuWalk, c: GpuCandidate, attempts: Attempt[], hasLater: () => boolean): Promise<CapacityLease | null | undefined> {
  const { entry, provider, adapter } = c;
  c.cold = adapter.warm !== undefined && ctx.gate.isCold(provider.name, entry.model);
  if (c.cold && hasLater()) {
    attempts.push({ model: entry.id, reason: "cold", detail: `${entry.model} is not loaded on ${provider.name}; warming it` });
    ctx.observe.failed(entry, "cold");
    ctx.gate.warm(provider.name, entry.model, (signal) => adapter.warm!(provider, entry.model, signal));
    return null;
  }
  if (!provider.maxConcurrent) return undefined;
  const lease = await ctx.gate.lease(provider.name, provider.maxConcurrent);
  if (lease) return lease;
  // A full GPU frees a slot within seconds: the 503's Retry-After says 1, never an unbounded queue here.
  attempts.push({ model: entry.id, reason: "at-capacity", detail: `${provider.maxConcurrent} requests already in flight on ${provider.name}`, retryAt: ctx.clock.now() + 1_000 });
  ctx.observe.failed(entry, "at-capacity");
  return null;
}
