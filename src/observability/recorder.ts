/**
 * The isolate's metrics buffer. Requests add to it in memory (no I/O on the request path);
 * it is flushed to one MetricsStore shard off the critical path (`ctx.waitUntil`), at most
 * once per FLUSH_INTERVAL_MS, and on an isolate's first request. Whatever arrives inside
 * the interval is sent by one trailing flush, so the last request of a burst is never
 * stranded in an isolate that then goes idle.
 */
import { withDeadline } from "../lib/deadline";
import { isolateCache } from "../lib/isolate-cache";
import { log } from "../lib/log";
import { MAX_SERIES_PER_METRIC, METRIC_BY_NAME, type LabelsOf, type MetricDef } from "./metric-defs";
import { acceptsValue, addHistogram, addValue, bucketIndex, emptyData, histogramOf, isEmpty, mergeInto, seriesKey, type MergeOptions, type MetricsData } from "./metric-data";

export const FLUSH_INTERVAL_MS = 1_000;

/**
 * Shards of the store: each isolate writes to one (chosen at random when it starts), a
 * scrape reads them all. Changing the count orphans the old shards' counters, so keep it.
 */
export const METRICS_SHARDS = 8;

export function shardName(i: number): string {
  return `shard-${i}`;
}

export interface RecorderDeps {
  /** Adds a delta to the store; rejects when it did not arrive. */
  send(delta: MetricsData): Promise<void>;
  now(): number;
  wait(ms: number): Promise<void>;
  intervalMs?: number;
  cap?: number;
}

export class MetricsRecorder {
  private pending = emptyData();
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** When the scheduled trailing flush fires; undefined when none is waiting. */
  private trailingAt: number | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly opts: MergeOptions;
  private readonly intervalMs: number;

  constructor(private readonly deps: RecorderDeps) {
    this.opts = { defs: METRIC_BY_NAME, cap: deps.cap ?? MAX_SERIES_PER_METRIC };
    this.intervalMs = deps.intervalMs ?? FLUSH_INTERVAL_MS;
  }

  // The request path's fast paths: a series already buffered is added to in place (the buffer
  // is ours alone: flush swaps it out whole). A new series goes through the checked merge.
  inc<D extends MetricDef>(def: D, labels: LabelsOf<D>, by = 1): void {
    const key = seriesKey(def, labels);
    const series = this.pending.values[def.name];
    if (series !== undefined && key in series && acceptsValue(def, by)) {
      series[key]! += by;
      return;
    }
    addValue(this.pending, def, key, by, this.opts);
  }

  observe<D extends MetricDef>(def: D, labels: LabelsOf<D>, value: number): void {
    const key = seriesKey(def, labels);
    const prev = this.pending.histograms[def.name]?.[key];
    if (prev !== undefined && def.type === "histogram" && Number.isFinite(value)) {
      prev.buckets[bucketIndex(def, value)]!++;
      prev.sum += value;
      prev.count++;
      return;
    }
    addHistogram(this.pending, def, key, histogramOf(def, value), this.opts);
  }

  /** After a request's work: flush now if the interval has passed, else schedule one trailing flush. */
  flushSoon(waitUntil: (p: Promise<unknown>) => void): void {
    if (isEmpty(this.pending)) return;
    const now = this.deps.now();
    const due = this.lastFlushAt + this.intervalMs;
    if (now >= due) {
      waitUntil(this.flush());
      return;
    }
    // One trailing flush at a time; one that never fired (its request was cut off) is replaced.
    if (this.trailingAt !== undefined && now < this.trailingAt + this.intervalMs) return;
    this.trailingAt = due;
    waitUntil(
      this.deps.wait(due - now).then(() => {
        this.trailingAt = undefined;
        return this.flush();
      }),
    );
  }

  /** Sends everything buffered now. Never rejects: a failed send goes back into the buffer. */
  flush(): Promise<void> {
    if (isEmpty(this.pending)) return Promise.resolve();
    const delta = this.pending;
    this.pending = emptyData();
    this.lastFlushAt = this.deps.now();
    const sending: Promise<void> = this.deps
      .send(delta)
      .catch((err: unknown) => {
        mergeInto(this.pending, delta, this.opts);
        log("warn", "metrics.flush_failed", { error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    return sending;
  }

  /**
   * Before a scrape reads the store: this isolate's buffer is sent, and sends already on
   * their way are waited for (up to `waitMs`: they belong to other requests, which the
   * runtime may have cut off). Other isolates' last second of traffic is not included.
   */
  async settle(waitMs: number): Promise<void> {
    const others = [...this.inFlight];
    const own = this.flush();
    // Past the limit the scrape goes on without them (they never reject: see flush).
    await withDeadline(Promise.all([...others, own]), waitMs).catch(() => {});
  }
}

type StoreNamespace = Env["METRICS_STORE"];

// Per isolate, keyed by the binding so separate environments (tests) never share a buffer.
const recorders = isolateCache((ns: StoreNamespace) => {
  const shard = shardName(Math.floor(Math.random() * METRICS_SHARDS));
  return new MetricsRecorder({
    send: async (delta) => {
      await ns.getByName(shard).merge(delta);
    },
    now: () => Date.now(),
    wait: (ms) => scheduler.wait(ms),
  });
});

/** This isolate's recorder for `env`, or undefined where the binding is absent. */
export function recorderFor(env: Env): MetricsRecorder | undefined {
  const ns = env.METRICS_STORE as StoreNamespace | undefined;
  return ns ? recorders.get(ns) : undefined;
}
