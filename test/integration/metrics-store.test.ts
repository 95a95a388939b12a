/** The MetricsStore Durable Object: merges, persistence, the per-shard series cap. */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MetricsStore } from "../../src/observability/metrics-store";
import { emptyData, histogramOf, seriesKey, type MetricsData } from "../../src/observability/metric-data";
import { MAX_SERIES_PER_METRIC, METRICS } from "../../src/observability/metric-defs";
import { tag } from "../helpers/http";

const store = (name: string) => env.METRICS_STORE.getByName(name);
const fresh = () => `store-${tag()}`;

function tokens(model: string, n: number): MetricsData {
  const def = METRICS.tokens;
  return { ...emptyData(), values: { [def.name]: { [seriesKey(def, { provider: "groq", model, type: "prompt" })]: n } } };
}

function latency(...seconds: number[]): MetricsData {
  const def = METRICS.llmLatency;
  const key = seriesKey(def, { provider: "groq", model: "m" });
  const data = emptyData();
  for (const s of seconds) {
    const h = histogramOf(def, s);
    const prev = data.histograms[def.name]?.[key];
    (data.histograms[def.name] ??= {})[key] = prev ? { buckets: prev.buckets.map((n, i) => n + h.buckets[i]!), sum: prev.sum + h.sum, count: prev.count + 1 } : h;
  }
  return data;
}

describe("MetricsStore Durable Object", () => {
  it("adds deltas up, counters and histograms alike", async () => {
    const s = store(fresh());
    await s.merge(tokens("a", 11));
    await s.merge(tokens("a", 20));
    await s.merge(latency(0.3, 7));
    await s.merge(latency(0.4));
    const data = await s.read();
    expect(data.values[METRICS.tokens.name]).toEqual({ [seriesKey(METRICS.tokens, { provider: "groq", model: "a", type: "prompt" })]: 31 });
    const h = Object.values(data.histograms[METRICS.llmLatency.name]!)[0]!;
    expect(h.count).toBe(3);
    expect(h.sum).toBeCloseTo(7.7);
    expect(h.buckets.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("survives eviction: counters never go back to zero", async () => {
    const name = fresh();
    await store(name).merge(tokens("a", 5));
    await store(name).merge(latency(2, 200));
    const before = await store(name).read();
    await evictDurableObject(store(name));
    const after = await store(name).read();
    expect(after).toEqual(before);
    await store(name).merge(tokens("a", 1));
    expect(Object.values((await store(name).read()).values[METRICS.tokens.name]!)).toEqual([6]);
  });

  it("keeps at most MAX_SERIES_PER_METRIC series per metric and counts the refused ones", async () => {
    const s = store(fresh());
    const def = METRICS.tokens;
    const many = emptyData();
    many.values[def.name] = {};
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 5; i++) many.values[def.name]![seriesKey(def, { provider: "groq", model: `m${i}`, type: "prompt" })] = 1;
    await s.merge(many);
    // An existing series still counts; a new one is refused.
    await s.merge(tokens("m0", 1));
    await s.merge(tokens("brand-new", 1));
    const data = await s.read();
    expect(Object.keys(data.values[def.name]!)).toHaveLength(MAX_SERIES_PER_METRIC);
    expect(data.values[def.name]![seriesKey(def, { provider: "groq", model: "m0", type: "prompt" })]).toBe(2);
    expect(data.values[METRICS.seriesDropped.name]).toEqual({ [seriesKey(METRICS.seriesDropped, { metric: def.name })]: 6 });
    // Storage holds what memory holds: nothing refused was written.
    const rows = await runInDurableObject(s, (_i: MetricsStore, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sample WHERE metric = ?", def.name).one().n);
    expect(rows).toBe(MAX_SERIES_PER_METRIC);
  });

  it("ignores metrics it does not know (a delta from another deploy) without failing the merge", async () => {
    const s = store(fresh());
    await s.merge({ values: { mana_llm_from_the_future_total: { '["x"]': 1 }, ...tokens("a", 2).values }, histograms: {} });
    const data = await s.read();
    expect(Object.keys(data.values)).toEqual([METRICS.tokens.name]);
  });
});
