/**
 * One shard of the metrics store (`METRICS_STORE.getByName(shardName(i))`): isolates add
 * their deltas to it, a scrape reads every shard and adds them up. Counters live in SQLite
 * so they survive eviction and deploys (Prometheus expects them never to go down), and in
 * memory so a scrape costs no query. Each merge is synchronous: atomic without a lock.
 */
import { DurableObject } from "cloudflare:workers";
import { initInsideGate } from "../lib/do-init";
import { formatBound } from "./exposition";
import { MAX_SERIES_PER_METRIC, METRIC_BY_NAME } from "./metric-defs";
import { emptyData, mergeInto, type MetricsData } from "./metric-data";

// One row per sample: '' for a counter, 'sum', 'count' or 'le:<bound>' for a histogram.
// Every row only ever grows by an added delta, so a write is one upsert.
const SCHEMA = `CREATE TABLE IF NOT EXISTS sample (
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  part TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (metric, labels, part)
) WITHOUT ROWID`;

const UPSERT = "INSERT INTO sample (metric, labels, part, value) VALUES (?, ?, ?, ?) ON CONFLICT (metric, labels, part) DO UPDATE SET value = value + excluded.value";

export class MetricsStore extends DurableObject<Env> {
  private data: MetricsData | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // A failed load is retried by the next call (which then fails loudly to its caller, who keeps its delta).
    initInsideGate(ctx, () => void this.loaded(), "metrics.store_init_failed", { shard: ctx.id.name });
  }

  /** Adds an isolate's delta; new series past the cap are refused and counted. */
  merge(delta: MetricsData): void {
    const accepted = mergeInto(this.loaded(), delta, { defs: METRIC_BY_NAME, cap: MAX_SERIES_PER_METRIC });
    const sql = this.ctx.storage.sql;
    for (const [metric, series] of Object.entries(accepted.values)) {
      for (const [labels, v] of Object.entries(series)) sql.exec(UPSERT, metric, labels, "", v);
    }
    for (const [metric, series] of Object.entries(accepted.histograms)) {
      const bounds = [...(METRIC_BY_NAME.get(metric)?.buckets ?? []), Infinity];
      for (const [labels, h] of Object.entries(series)) {
        sql.exec(UPSERT, metric, labels, "sum", h.sum);
        sql.exec(UPSERT, metric, labels, "count", h.count);
        h.buckets.forEach((n, i) => {
          if (n !== 0) sql.exec(UPSERT, metric, labels, `le:${formatBound(bounds[i]!)}`, n);
        });
      }
    }
  }

  /** Everything this shard holds. */
  read(): MetricsData {
    return this.loaded();
  }

  private loaded(): MetricsData {
    if (this.data) return this.data;
    this.ctx.storage.sql.exec(SCHEMA);
    const data = emptyData();
    const rows = this.ctx.storage.sql.exec<{ metric: string; labels: string; part: string; value: number }>("SELECT metric, labels, part, value FROM sample");
    for (const row of rows) {
      const def = METRIC_BY_NAME.get(row.metric);
      // Rows of a metric this version no longer has stay in storage, out of the exposition.
      if (!def) continue;
      if (def.type !== "histogram") {
        (data.values[def.name] ??= {})[row.labels] = row.value;
        continue;
      }
      const bounds = [...(def.buckets ?? []), Infinity];
      const series = (data.histograms[def.name] ??= {});
      const h = (series[row.labels] ??= { buckets: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 });
      if (row.part === "sum") h.sum = row.value;
      else if (row.part === "count") h.count = row.value;
      else {
        // A bucket bound that changed since the row was written has no slot: left out.
        const i = bounds.findIndex((b) => `le:${formatBound(b)}` === row.part);
        if (i >= 0) h.buckets[i] = row.value;
      }
    }
    this.data = data;
    return data;
  }
}
