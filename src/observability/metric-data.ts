/**
 * Metric samples as plain data: what an isolate buffers, what it sends to a MetricsStore
 * shard over RPC, what a shard keeps and what a scrape merges. Everything here is pure;
 * the one merge function enforces the series cap wherever data accumulates.
 */
import { MAX_LABEL_LENGTH, METRICS, type MetricDef } from "./metric-defs";

export interface HistogramValue {
  /** Observations per bucket, not cumulative; the last slot is above the highest bound (+Inf). */
  buckets: number[];
  sum: number;
  count: number;
}

/** metric name → series key (see seriesKey) → value. */
export interface MetricsData {
  /** Counters and gauges. */
  values: Record<string, Record<string, number>>;
  histograms: Record<string, Record<string, HistogramValue>>;
}

export interface MergeOptions {
  defs: ReadonlyMap<string, MetricDef>;
  /** New series per metric beyond this are refused and counted; Infinity for a scrape's merge. */
  cap: number;
}

export function emptyData(): MetricsData {
  return { values: {}, histograms: {} };
}

export function isEmpty(data: MetricsData): boolean {
  return Object.keys(data.values).length === 0 && Object.keys(data.histograms).length === 0;
}

/** The label values in the metric's label order, as one string key. */
export function seriesKey(def: MetricDef, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(def.labels.map((l) => labels[l] ?? ""));
}

/** The label values of a key made by seriesKey, or undefined if it does not fit the metric. */
export function seriesValues(def: MetricDef, key: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== def.labels.length) return undefined;
  return parsed.every((v): v is string => typeof v === "string") ? parsed : undefined;
}

/** The (non-cumulative) bucket slot of one observation; the last slot is +Inf. */
export function bucketIndex(def: MetricDef, value: number): number {
  const bounds = def.buckets ?? [];
  const i = bounds.findIndex((b) => value <= b);
  return i === -1 ? bounds.length : i;
}

/** One observation as a bucket vector for `def`. */
export function histogramOf(def: MetricDef, value: number): HistogramValue {
  const buckets = new Array<number>((def.buckets?.length ?? 0) + 1).fill(0);
  buckets[bucketIndex(def, value)] = 1;
  return { buckets, sum: value, count: 1 };
}

type Accept = "accepted" | "refused" | "invalid";

/** Where a new series may go: under the cap, with label values that fit. */
function admit<V>(series: Record<string, V> | undefined, def: MetricDef, key: string, cap: number): Accept {
  if (series && key in series) return "accepted";
  const values = seriesValues(def, key);
  if (!values) return "invalid";
  if (values.some((v) => v.length > MAX_LABEL_LENGTH)) return "refused";
  // The dropped-series counter has one series per metric name: bounded, never capped.
  if (def.name !== METRICS.seriesDropped.name && series && Object.keys(series).length >= cap) return "refused";
  return "accepted";
}

function countDropped(target: MetricsData, accepted: MetricsData, metric: string): void {
  const def = METRICS.seriesDropped;
  const key = seriesKey(def, { metric });
  for (const d of [target, accepted]) {
    const series = (d.values[def.name] ??= {});
    series[key] = (series[key] ?? 0) + 1;
  }
}

/** Adds one counter/gauge increment; false when the series was refused. */
/** Whether `value` may be added to a series of `def`: a finite number, never negative for a counter, never to a histogram. */
export function acceptsValue(def: MetricDef, value: number): boolean {
  return def.type !== "histogram" && Number.isFinite(value) && (value >= 0 || def.type !== "counter");
}

export function addValue(target: MetricsData, def: MetricDef, key: string, value: number, opts: MergeOptions, accepted: MetricsData = emptyData()): boolean {
  if (!acceptsValue(def, value)) return false;
  const verdict = admit(target.values[def.name], def, key, opts.cap);
  if (verdict === "invalid") return false;
  if (verdict === "refused") {
    countDropped(target, accepted, def.name);
    return false;
  }
  for (const d of [target, accepted]) {
    const series = (d.values[def.name] ??= {});
    series[key] = (series[key] ?? 0) + value;
  }
  return true;
}

/** Adds one histogram delta; false when the series was refused or the buckets do not fit. */
export function addHistogram(target: MetricsData, def: MetricDef, key: string, h: HistogramValue, opts: MergeOptions, accepted: MetricsData = emptyData()): boolean {
  const width = (def.buckets?.length ?? 0) + 1;
  const valid =
    def.type === "histogram" &&
    Array.isArray(h.buckets) &&
    h.buckets.length === width &&
    h.buckets.every((n) => Number.isFinite(n) && n >= 0) &&
    Number.isFinite(h.sum) &&
    Number.isFinite(h.count) &&
    h.count >= 0;
  if (!valid) return false;
  const verdict = admit(target.histograms[def.name], def, key, opts.cap);
  if (verdict === "invalid") return false;
  if (verdict === "refused") {
    countDropped(target, accepted, def.name);
    return false;
  }
  for (const d of [target, accepted]) {
    const series = (d.histograms[def.name] ??= {});
    const prev = series[key];
    series[key] = prev ? { buckets: prev.buckets.map((n, i) => n + h.buckets[i]!), sum: prev.sum + h.sum, count: prev.count + h.count } : { buckets: [...h.buckets], sum: h.sum, count: h.count };
  }
  return true;
}

/**
 * Adds `delta` into `target` and returns the part that was taken (refusals show up there as
 * dropped-series increments), so a store can persist exactly what it now holds. Metrics it
 * does not know (a different deploy's) are ignored.
 */
export function mergeInto(target: MetricsData, delta: MetricsData, opts: MergeOptions): MetricsData {
  const accepted = emptyData();
  for (const [name, series] of Object.entries(delta.values ?? {})) {
    const def = opts.defs.get(name);
    if (!def) continue;
    for (const [key, v] of Object.entries(series)) addValue(target, def, key, v, opts, accepted);
  }
  for (const [name, series] of Object.entries(delta.histograms ?? {})) {
    const def = opts.defs.get(name);
    if (!def) continue;
    for (const [key, h] of Object.entries(series)) addHistogram(target, def, key, h, opts, accepted);
  }
  return accepted;
}
