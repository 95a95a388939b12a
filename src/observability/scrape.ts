/**
 * What GET /metrics shows: every store shard added up, plus the breakers' state read from
 * their Durable Objects at scrape time (gauges are a reading, not something to accumulate).
 */
import type { TransitionCount } from "../breaker/provider-health";
import { withDeadline } from "../lib/deadline";
import { ApiError } from "../openai/errors";
import type { ProviderConfig } from "../providers/types";
import { collectHealth } from "../health/report";
import { log } from "../lib/log";
import { addValue, emptyData, mergeInto, seriesKey, type MergeOptions, type MetricsData } from "./metric-data";
import { METRIC_BY_NAME, METRICS } from "./metric-defs";
import { METRICS_SHARDS, recorderFor, shardName } from "./recorder";

/** How long a scrape waits for each shard, breaker and in-flight flush. */
export const SCRAPE_DEADLINE_MS = 1_000;

// Shards are capped one by one; their sum is bounded by METRICS_SHARDS × the cap.
const UNCAPPED: MergeOptions = { defs: METRIC_BY_NAME, cap: Infinity };

/**
 * Every shard, added up. A shard that does not answer fails the scrape (503): a counter
 * that seemed to drop would read as a reset to Prometheus and fake a burst in rate().
 */
export async function readShards(ns: Env["METRICS_STORE"], deadlineMs = SCRAPE_DEADLINE_MS): Promise<MetricsData> {
  const reads = await Promise.allSettled(
    Array.from({ length: METRICS_SHARDS }, (_, i) =>
      withDeadline(
        Promise.resolve().then(() => ns.getByName(shardName(i)).read() as Promise<MetricsData>),
        deadlineMs,
      ),
    ),
  );
  const total = emptyData();
  const missing: string[] = [];
  reads.forEach((r, i) => {
    if (r.status === "fulfilled") mergeInto(total, r.value, UNCAPPED);
    else {
      missing.push(shardName(i));
      log("warn", "metrics.shard_unreachable", { shard: shardName(i), error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
    }
  });
  if (missing.length > 0) {
    throw new ApiError(503, `Metrics are unavailable: store shard(s) ${missing.join(", ")} did not answer within ${deadlineMs} ms`, {
      type: "service_unavailable",
      code: "metrics_unavailable",
    });
  }
  return total;
}

/** Provider gauges and breaker transition counters, from each configured provider's breaker. */
export async function breakerSamples(env: Env, providers: ReadonlyMap<string, ProviderConfig>, now: number): Promise<MetricsData> {
  const data = emptyData();
  const configured = [...providers.values()].filter((p) => p.configured).map((p) => p.name);
  const [health, transitions] = await Promise.all([
    collectHealth(env, providers, now),
    Promise.allSettled(
      configured.map((name) =>
        withDeadline(
          Promise.resolve().then(() => env.PROVIDER_HEALTH.getByName(name).transitionCounts() as Promise<TransitionCount[]>),
          SCRAPE_DEADLINE_MS,
        ),
      ),
    ),
  ]);
  for (const [provider, view] of Object.entries(health.providers)) {
    // A breaker that did not answer has no reading; a guessed 0 or 1 would be a lie.
    if (view.status === "unknown") continue;
    addValue(data, METRICS.providerHealthy, seriesKey(METRICS.providerHealthy, { provider }), view.status === "healthy" ? 1 : 0, UNCAPPED);
    addValue(data, METRICS.providerMisconfigured, seriesKey(METRICS.providerMisconfigured, { provider }), view.misconfigured ? 1 : 0, UNCAPPED);
    if (view.in_flight !== undefined) addValue(data, METRICS.inflight, seriesKey(METRICS.inflight, { provider }), view.in_flight, UNCAPPED);
  }
  transitions.forEach((r, i) => {
    if (r.status !== "fulfilled") return;
    const provider = configured[i]!;
    for (const t of r.value) {
      addValue(data, METRICS.breakerTransitions, seriesKey(METRICS.breakerTransitions, { provider, from: t.from, to: t.to }), t.count, UNCAPPED);
    }
  });
  return data;
}

/** Everything a scrape shows: this isolate's buffer sent first, then the shards and the breakers. */
export async function collectMetrics(env: Env, providers: ReadonlyMap<string, ProviderConfig>, now: number): Promise<MetricsData> {
  await recorderFor(env)?.settle(SCRAPE_DEADLINE_MS);
  const [stored, breakers] = await Promise.all([readShards(env.METRICS_STORE), breakerSamples(env, providers, now)]);
  mergeInto(stored, breakers, UNCAPPED);
  return stored;
}
