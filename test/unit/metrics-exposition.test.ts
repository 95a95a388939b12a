import { describe, expect, it } from "vitest";
import { escapeHelp, escapeLabelValue, formatBound, formatValue, renderExposition } from "../../src/observability/exposition";
import { addHistogram, addValue, emptyData, histogramOf, seriesKey, type MergeOptions } from "../../src/observability/metric-data";
import { METRIC_BY_NAME, METRIC_DEFS, METRICS, type MetricDef } from "../../src/observability/metric-defs";
import { parseExposition, sampleValue } from "../helpers/prometheus";

const opts: MergeOptions = { defs: METRIC_BY_NAME, cap: 1000 };

function withValue<D extends MetricDef>(def: D, labels: Record<string, string>, v: number) {
  const data = emptyData();
  addValue(data, def, seriesKey(def, labels), v, opts);
  return data;
}

describe("Prometheus text exposition", () => {
  it("escapes backslash, double quote and line feed in label values, and nothing else", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("ollama/gemma3:12b {x} é")).toBe("ollama/gemma3:12b {x} é");
    expect(escapeHelp('back\\slash "quoted"\nnext')).toBe('back\\\\slash "quoted"\\nnext');
  });

  it("renders label values a scraper reads back exactly, however hostile", () => {
    const hostile = 'evil"} 1\nmana_llm_requests_total{method="GET"} 999\\';
    const text = renderExposition(METRIC_DEFS, withValue(METRICS.llmRequests, { provider: "groq", model: hostile, streaming: "false" }, 2));
    const exp = parseExposition(text);
    const requests = exp.samples.filter((s) => s.name === "mana_llm_llm_requests_total");
    expect(requests).toEqual([{ name: "mana_llm_llm_requests_total", labels: { provider: "groq", model: hostile, streaming: "false" }, value: 2 }]);
    // The injected line never became a sample of its own.
    expect(exp.samples.filter((s) => s.name === "mana_llm_requests_total")).toEqual([]);
  });

  it("writes HELP and TYPE for every metric, in definition order, even without samples", () => {
    const exp = parseExposition(renderExposition(METRIC_DEFS, emptyData()));
    expect([...exp.types.keys()]).toEqual(METRIC_DEFS.map((d) => d.name));
    expect(exp.types.get("mana_llm_requests_total")).toBe("counter");
    expect(exp.types.get("mana_llm_request_latency_seconds")).toBe("histogram");
    expect(exp.types.get("mana_llm_provider_healthy")).toBe("gauge");
    expect(exp.samples).toEqual([]);
  });

  it("keeps the dashboards' metric names and label sets", () => {
    const names = Object.fromEntries(METRIC_DEFS.map((d) => [d.name, d.labels]));
    expect(names).toMatchObject({
      mana_llm_requests_total: ["method", "endpoint", "status"],
      mana_llm_request_latency_seconds: ["endpoint"],
      mana_llm_llm_requests_total: ["provider", "model", "streaming"],
      mana_llm_tokens_total: ["provider", "model", "type"],
      mana_llm_llm_latency_seconds: ["provider", "model"],
      mana_llm_llm_errors_total: ["provider", "model", "error_type"],
      mana_llm_alias_resolved_total: ["alias", "target"],
      mana_llm_fallback_total: ["from_model", "to_model", "reason"],
      mana_llm_provider_healthy: ["provider"],
    });
  });

  it("renders a histogram as cumulative buckets with le, then _sum and _count", () => {
    const def = METRICS.requestLatency;
    const data = emptyData();
    const key = seriesKey(def, { endpoint: "/v1/chat/completions" });
    for (const v of [0.003, 0.005, 0.2, 0.2, 42]) addHistogram(data, def, key, histogramOf(def, v), opts);
    const text = renderExposition([def], data);
    const lines = text.split("\n").filter((l) => l.startsWith("mana_llm_request_latency_seconds"));
    expect(lines[0]).toBe('mana_llm_request_latency_seconds_bucket{endpoint="/v1/chat/completions",le="0.005"} 2');
    expect(lines).toContain('mana_llm_request_latency_seconds_bucket{endpoint="/v1/chat/completions",le="0.25"} 4');
    expect(lines).toContain('mana_llm_request_latency_seconds_bucket{endpoint="/v1/chat/completions",le="1.0"} 4');
    expect(lines).toContain('mana_llm_request_latency_seconds_bucket{endpoint="/v1/chat/completions",le="10.0"} 4');
    expect(lines.at(-3)).toBe('mana_llm_request_latency_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"} 5');
    expect(lines.at(-2)).toBe('mana_llm_request_latency_seconds_sum{endpoint="/v1/chat/completions"} 42.408');
    expect(lines.at(-1)).toBe('mana_llm_request_latency_seconds_count{endpoint="/v1/chat/completions"} 5');
    // One bucket line per bound plus +Inf, and the counts never decrease.
    const exp = parseExposition(text);
    const buckets = exp.samples.filter((s) => s.name.endsWith("_bucket")).map((s) => s.value);
    expect(buckets).toHaveLength(def.buckets!.length + 1);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });

  it("puts a value equal to a bound in that bound's bucket", () => {
    const def = METRICS.llmLatency;
    expect(histogramOf(def, 1).buckets.indexOf(1)).toBe(def.buckets!.indexOf(1));
    expect(histogramOf(def, 1.0001).buckets.indexOf(1)).toBe(def.buckets!.indexOf(1) + 1);
    expect(histogramOf(def, 10_000).buckets.at(-1)).toBe(1);
  });

  it("formats values and bounds the way prometheus_client did", () => {
    expect([formatValue(3), formatValue(0.25), formatValue(Infinity), formatValue(-Infinity), formatValue(NaN)]).toEqual(["3", "0.25", "+Inf", "-Inf", "NaN"]);
    expect([formatBound(1), formatBound(0.005), formatBound(120), formatBound(Infinity)]).toEqual(["1.0", "0.005", "120.0", "+Inf"]);
  });

  it("orders series by label values so consecutive scrapes diff cleanly", () => {
    const def = METRICS.requests;
    const data = emptyData();
    for (const [endpoint, status] of [
      ["/v1/models", "200"],
      ["/health", "200"],
      ["/v1/models", "401"],
    ] as const) {
      addValue(data, def, seriesKey(def, { method: "GET", endpoint, status }), 1, opts);
    }
    const exp = parseExposition(renderExposition([def], data));
    expect(exp.samples.map((s) => `${s.labels.endpoint} ${s.labels.status}`)).toEqual(["/health 200", "/v1/models 200", "/v1/models 401"]);
    expect(sampleValue(exp, "mana_llm_requests_total", { endpoint: "/v1/models", status: "401" })).toBe(1);
  });
});
