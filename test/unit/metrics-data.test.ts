import { describe, expect, it } from "vitest";
import { addHistogram, addValue, emptyData, histogramOf, isEmpty, mergeInto, seriesKey, type MergeOptions, type MetricsData } from "../../src/observability/metric-data";
import { MAX_LABEL_LENGTH, METRIC_BY_NAME, METRICS } from "../../src/observability/metric-defs";

const capped = (cap: number): MergeOptions => ({ defs: METRIC_BY_NAME, cap });
const tokensKey = (model: string, type = "prompt") => seriesKey(METRICS.tokens, { provider: "groq", model, type });
const droppedOf = (d: MetricsData, metric: string) => d.values[METRICS.seriesDropped.name]?.[seriesKey(METRICS.seriesDropped, { metric })];

describe("metric data merge", () => {
  it("adds shards up: counters sum, histogram buckets, sums and counts add", () => {
    const def = METRICS.llmLatency;
    const hKey = seriesKey(def, { provider: "groq", model: "m" });
    const shardA = emptyData();
    const shardB = emptyData();
    addValue(shardA, METRICS.tokens, tokensKey("m"), 11, capped(10));
    addValue(shardB, METRICS.tokens, tokensKey("m"), 20, capped(10));
    addValue(shardB, METRICS.tokens, tokensKey("m", "completion"), 5, capped(10));
    addHistogram(shardA, def, hKey, histogramOf(def, 0.3), capped(10));
    addHistogram(shardB, def, hKey, histogramOf(def, 7), capped(10));
    addHistogram(shardB, def, hKey, histogramOf(def, 0.4), capped(10));

    const total = emptyData();
    for (const shard of [shardA, shardB]) mergeInto(total, shard, capped(Infinity));
    expect(total.values[METRICS.tokens.name]).toEqual({ [tokensKey("m")]: 31, [tokensKey("m", "completion")]: 5 });
    const h = total.histograms[def.name]![hKey]!;
    expect(h.count).toBe(3);
    expect(h.sum).toBeCloseTo(7.7);
    expect(h.buckets[def.buckets!.indexOf(0.5)]).toBe(2);
    expect(h.buckets[def.buckets!.indexOf(10)]).toBe(1);
    // The inputs are not changed by the merge.
    expect(shardA.values[METRICS.tokens.name]![tokensKey("m")]).toBe(11);
  });

  it("refuses a new series past the cap, counts it, and keeps accepting existing series", () => {
    const data = emptyData();
    expect(addValue(data, METRICS.tokens, tokensKey("a"), 1, capped(2))).toBe(true);
    expect(addValue(data, METRICS.tokens, tokensKey("b"), 1, capped(2))).toBe(true);
    expect(addValue(data, METRICS.tokens, tokensKey("c"), 1, capped(2))).toBe(false);
    expect(addValue(data, METRICS.tokens, tokensKey("d"), 1, capped(2))).toBe(false);
    expect(addValue(data, METRICS.tokens, tokensKey("a"), 4, capped(2))).toBe(true);
    expect(Object.keys(data.values[METRICS.tokens.name]!)).toEqual([tokensKey("a"), tokensKey("b")]);
    expect(data.values[METRICS.tokens.name]![tokensKey("a")]).toBe(5);
    expect(droppedOf(data, METRICS.tokens.name)).toBe(2);
  });

  it("returns what it took, so a store persists exactly what it now holds", () => {
    const target = emptyData();
    addValue(target, METRICS.tokens, tokensKey("a"), 1, capped(1));
    const delta = emptyData();
    addValue(delta, METRICS.tokens, tokensKey("a"), 3, capped(10));
    addValue(delta, METRICS.tokens, tokensKey("b"), 7, capped(10));
    const accepted = mergeInto(target, delta, capped(1));
    expect(accepted.values[METRICS.tokens.name]).toEqual({ [tokensKey("a")]: 3 });
    expect(droppedOf(accepted, METRICS.tokens.name)).toBe(1);
    expect(target.values[METRICS.tokens.name]).toEqual({ [tokensKey("a")]: 4 });
  });

  it("refuses an over-long label value as a dropped series", () => {
    const data = emptyData();
    expect(addValue(data, METRICS.tokens, tokensKey("x".repeat(MAX_LABEL_LENGTH + 1)), 1, capped(10))).toBe(false);
    expect(addValue(data, METRICS.tokens, tokensKey("x".repeat(MAX_LABEL_LENGTH)), 1, capped(10))).toBe(true);
    expect(droppedOf(data, METRICS.tokens.name)).toBe(1);
  });

  it("ignores what does not fit its metric: unknown names, wrong label count, bad numbers, wrong bucket width", () => {
    const target = emptyData();
    const def = METRICS.llmLatency;
    const delta: MetricsData = {
      values: {
        mana_llm_renamed_since_total: { '["x"]': 1 },
        [METRICS.tokens.name]: { '["groq","m"]': 1, [tokensKey("m")]: Number.NaN, [tokensKey("n")]: -1 },
      },
      histograms: { [def.name]: { [seriesKey(def, { provider: "p", model: "m" })]: { buckets: [1, 0], sum: 1, count: 1 } } },
    };
    const accepted = mergeInto(target, delta, capped(10));
    expect(isEmpty(target)).toBe(true);
    expect(isEmpty(accepted)).toBe(true);
  });

  it("never caps the dropped-series counter itself", () => {
    const data = emptyData();
    for (const metric of ["a", "b", "c"]) addValue(data, METRICS.seriesDropped, seriesKey(METRICS.seriesDropped, { metric }), 1, capped(1));
    expect(Object.keys(data.values[METRICS.seriesDropped.name]!)).toHaveLength(3);
  });
});
