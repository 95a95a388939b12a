/**
 * The isolate's side of the GPU facts the ProviderHealth DO keeps (./gpu-state.ts):
 * capacity leases, cold models and their one warm-up. The loaded-model list arrives with
 * the cached breaker verdict, so asking whether a model is cold costs no round trip; only
 * limited providers pay one, for their lease.
 */
import type { Settings } from "../config/settings";
import type { Clock } from "../lib/clock";
import { withDeadline } from "../lib/deadline";
import { errorText, log } from "../lib/log";
import type { BreakerGate, CapacityLease } from "./gate";
import { isModelLoaded, type GpuState } from "./gpu-state";

/** How long the request path waits for a lease before failing open (longer than a verdict: every limited request asks). */
export const LEASE_DEADLINE_MS = 250;
/** A warm-up lease outlives the load timeout by this much before another isolate may try. */
const WARMUP_MARGIN_MS = 5_000;

type HealthNamespace = Env["PROVIDER_HEALTH"];

export interface GpuCache {
  get(provider: string): GpuState | undefined;
  set(provider: string, gpu: GpuState): void;
}

const NO_LEASE: CapacityLease = { release: () => {} };

export function gpuGate(
  ns: HealthNamespace,
  cache: GpuCache,
  settings: Pick<Settings, "requestTimeoutMs" | "ollamaLoadTimeoutMs">,
  waitUntil: (p: Promise<unknown>) => void,
  clock: Clock,
): Pick<BreakerGate, "lease" | "isCold" | "warm" | "loaded"> {
  const markLoaded = (provider: string, model: string) => {
    const gpu = cache.get(provider);
    if (!gpu?.loadedModels) return;
    cache.set(provider, { loadedModels: [...gpu.loadedModels, model], warming: gpu.warming.filter((m) => m !== model) });
  };
  const isCold = (provider: string, model: string) => {
    const loaded = cache.get(provider)?.loadedModels;
    return loaded != null && !isModelLoaded(loaded, model);
  };

  return {
    async lease(provider, max) {
      const stub = ns.getByName(provider);
      // A lease expires with the request's own budget: a crashed isolate frees its slot by then.
      const call = (async () => stub.acquireLease(clock.now(), max, settings.requestTimeoutMs))();
      let late = false;
      // A grant that arrives after we failed open is not ours to keep: hand it back.
      waitUntil(call.then((g) => (late && g.id ? stub.releaseLease(g.id) : undefined)).catch(() => {}));
      try {
        const grant = await withDeadline(call, LEASE_DEADLINE_MS, clock);
        if (!grant.granted || !grant.id) return undefined;
        const id = grant.id;
        let released = false;
        return {
          release() {
            if (released) return;
            released = true;
            waitUntil(Promise.resolve(stub.releaseLease(id)).catch((err: unknown) => log("warn", "capacity.release_failed", { provider, error: errorText(err) })));
          },
        };
      } catch (err) {
        late = true;
        log("warn", "breaker.unreachable", { provider, op: "lease", fail_open: true, error: errorText(err) });
        return NO_LEASE;
      }
    },

    isCold,

    warm(provider, model, load) {
      if (cache.get(provider)?.warming.includes(model)) return;
      const ttl = settings.ollamaLoadTimeoutMs + WARMUP_MARGIN_MS;
      const task = (async () => {
        const stub = ns.getByName(provider);
        if (!(await stub.acquireWarmup(model, clock.now(), ttl))) return;
        log("info", "gpu.warmup_started", { provider, model });
        let ok = false;
        try {
          ok = await load(AbortSignal.timeout(settings.ollamaLoadTimeoutMs));
        } catch (err) {
          log("warn", "gpu.warmup_failed", { provider, model, error: errorText(err) });
        }
        await stub.finishWarmup(model, clock.now(), ok);
        if (ok) markLoaded(provider, model);
        log("info", "gpu.warmup_finished", { provider, model, loaded: ok });
      })();
      waitUntil(task.catch((err: unknown) => log("warn", "breaker.unreachable", { provider, op: "warmup", error: errorText(err) })));
    },

    loaded(provider, model) {
      if (!isCold(provider, model)) return;
      markLoaded(provider, model);
      waitUntil(Promise.resolve(ns.getByName(provider).finishWarmup(model, clock.now(), true)).catch(() => {}));
    },
  };
}
