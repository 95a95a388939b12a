/**
 * The probe sweep (DESIGN.md § Probe sweep): every configured provider is probed at once,
 * each under its own PROBE_TIMEOUT_MS, and the results feed the same breakers as live
 * traffic. A sweep never throws; one bad probe never delays or sinks the others.
 */
import { resolveRuntime, runtimeSettings } from "../config/runtime";
import type { Settings } from "../config/settings";
import { DeadlineError, withDeadline } from "../lib/deadline";
import { errorText, log } from "../lib/log";
import { UpstreamError } from "../providers/failures";
import { adapterFor } from "../providers/registry";
import type { ProbeResult, ProviderAdapter, ProviderConfig } from "../providers/types";

export type ProbeOutcome =
  | { provider: string; outcome: "alive"; misconfigured: boolean; status?: number; ms: number }
  | { provider: string; outcome: "dead"; reason: string; ms: number }
  | { provider: string; outcome: "skipped"; why: string };

/** A probe that ignores its abort signal still cannot hold the sweep longer than this past its timeout. */
const PROBE_GRACE_MS = 250;
/** Recording a result in a DO is bounded too: a stuck DO must not hold the cron invocation. */
const RECORD_DEADLINE_MS = 2_000;

/**
 * The cron entry: PROBE_INTERVAL_S spaces the sweeps inside the minute (30 → at 0 s and
 * 30 s; 60 → one sweep). `wait` is scheduler.wait in production.
 */
export async function runProbeSchedule(env: Env, wait: (ms: number) => Promise<void> = (ms) => scheduler.wait(ms)): Promise<ProbeOutcome[][]> {
  let settings: Settings;
  try {
    settings = runtimeSettings(env);
  } catch (err) {
    log("error", "probe.sweep_failed", { error: errorText(err) });
    return [];
  }
  const sweeps = Math.max(1, Math.floor(60 / settings.probeIntervalS));
  const results: ProbeOutcome[][] = [];
  for (let i = 0; i < sweeps; i++) {
    if (i > 0) await wait(settings.probeIntervalS * 1000);
    results.push(await sweepProviders(env, settings));
  }
  return results;
}

/** One sweep over every configured provider of this deployment. Never throws. */
export async function sweepProviders(env: Env, settings: Settings): Promise<ProbeOutcome[]> {
  let providers: ProviderConfig[];
  try {
    // Providers declared only in the runtime override are probed too; off the request path,
    // so the store gets the same generous deadline as recording a result.
    const runtime = await resolveRuntime(env, { now: Date.now(), waitUntil: () => {}, deadlineMs: RECORD_DEADLINE_MS });
    providers = [...runtime.providers.values()].filter((p) => p.configured);
  } catch (err) {
    log("error", "probe.sweep_failed", { error: errorText(err) });
    return [];
  }
  const settled = await Promise.allSettled(providers.map((p) => probeAndRecord(env, p, settings.probeTimeoutMs)));
  const outcomes = settled.map((r, i): ProbeOutcome => (r.status === "fulfilled" ? r.value : { provider: providers[i]!.name, outcome: "dead", reason: `sweep error: ${errorText(r.reason)}`, ms: 0 }));
  log("debug", "probe.sweep", {
    alive: outcomes.filter((o) => o.outcome === "alive").map((o) => o.provider),
    dead: outcomes.filter((o) => o.outcome === "dead").map((o) => o.provider),
    skipped: outcomes.filter((o) => o.outcome === "skipped").map((o) => o.provider),
  });
  return outcomes;
}

async function probeAndRecord(env: Env, provider: ProviderConfig, timeoutMs: number): Promise<ProbeOutcome> {
  const adapter = adapterFor(provider.kind);
  if (!adapter) return { provider: provider.name, outcome: "skipped", why: `no adapter for kind ${provider.kind}` };
  const started = Date.now();
  // Ollama also says which models are in memory: read at the same time, under the same timeout.
  const loaded = readLoadedModels(adapter, provider, timeoutMs);
  let result: ProbeResult;
  try {
    const probe = adapter.probe(provider, AbortSignal.timeout(timeoutMs));
    result = await withDeadline(probe, timeoutMs + PROBE_GRACE_MS);
  } catch (err) {
    const reason = probeFailureReason(err, timeoutMs);
    if (reason === undefined) {
      // The router's own bug, not the provider's failure: logged with its stack, no breaker charged.
      log("error", "probe.internal_error", { provider: provider.name, error: errorText(err), stack: err instanceof Error ? err.stack : undefined });
      return { provider: provider.name, outcome: "skipped", why: "the probe failed inside the router (logged as probe.internal_error)" };
    }
    result = { alive: false, error: reason };
  }
  const now = Date.now();
  try {
    const stub = env.PROVIDER_HEALTH.getByName(provider.name);
    if (result.alive) {
      const misconfigured = result.misconfigured === true;
      await withDeadline(Promise.resolve(stub.recordSuccess(now, "probe", { misconfigured, detail: misconfigured ? result.error : undefined })), RECORD_DEADLINE_MS);
      if (loaded) await withDeadline(Promise.resolve(stub.recordLoadedModels(await loaded, now)), RECORD_DEADLINE_MS);
    } else {
      await withDeadline(Promise.resolve(stub.recordFailure(now, result.error ?? "no answer", "probe")), RECORD_DEADLINE_MS);
    }
  } catch (err) {
    log("warn", "breaker.unreachable", { provider: provider.name, op: "probe-record", error: errorText(err) });
  }
  return result.alive
    ? { provider: provider.name, outcome: "alive", misconfigured: result.misconfigured === true, status: result.status, ms: now - started }
    : { provider: provider.name, outcome: "dead", reason: result.error ?? "no answer", ms: now - started };
}

/** The models in memory for kinds that load on demand; null when unreadable (every model then counts as loaded). */
function readLoadedModels(adapter: ProviderAdapter, provider: ProviderConfig, timeoutMs: number): Promise<string[] | null> | undefined {
  if (!adapter.loadedModels) return undefined;
  return withDeadline(adapter.loadedModels(provider, AbortSignal.timeout(timeoutMs)), timeoutMs + PROBE_GRACE_MS).catch(() => null);
}

/** The failure vocabulary for a probe that threw (never the upstream's own text); undefined when it was no network failure but our own bug. */
export function probeFailureReason(err: unknown, timeoutMs: number): string | undefined {
  if (err instanceof UpstreamError) {
    const f = err.failure;
    if (f.kind === "timeout") return `timeout (no answer within ${timeoutMs} ms)`;
    if (f.kind === "connect") return `connect (${f.reset ? "connection lost" : "connection failed"})`;
    if (f.kind === "http") return f.status >= 500 ? `http-5xx (HTTP ${f.status})` : `HTTP ${f.status}`;
    return f.kind;
  }
  if (err instanceof Error && (err instanceof DeadlineError || err.name === "TimeoutError" || err.name === "AbortError")) return `timeout (no answer within ${timeoutMs} ms)`;
  return undefined;
}
