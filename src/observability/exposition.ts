/**
 * Prometheus text exposition format 0.0.4. Pure: metric data in, the scrape body out.
 */
import type { MetricDef } from "./metric-defs";
import { seriesValues, type MetricsData } from "./metric-data";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label values: backslash, double quote and line feed are the only escapes the format has. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed (a quote is literal there). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** `le` as prometheus_client writes it ("1.0", "0.005", "+Inf"), so `le="1.0"` queries keep matching. */
export function formatBound(b: number): string {
  if (b === Infinity) return "+Inf";
  return Number.isInteger(b) ? b.toFixed(1) : String(b);
}

function labelSet(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? "")}"`).join(",")}}`;
}

/** Series in a stable order, so consecutive scrapes diff cleanly. */
function sortedSeries<V>(def: MetricDef, series: Record<string, V> | undefined): Array<[string[], V]> {
  const out: Array<[string[], V]> = [];
  for (const [key, v] of Object.entries(series ?? {})) {
    const values = seriesValues(def, key);
    if (values) out.push([values, v]);
  }
  return out.sort(([a], [b]) => {
    for (let i = 0; i < a.length; i++) {
      if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
    }
    return 0;
  });
}

/** Every metric in `defs` order, with HELP and TYPE even when it has no series yet. */
export function renderExposition(defs: readonly MetricDef[], data: MetricsData): string {
  const lines: string[] = [];
  for (const def of defs) {
    lines.push(`# HELP ${def.name} ${escapeHelp(def.help)}`, `# TYPE ${def.name} ${def.type}`);
    if (def.type !== "histogram") {
      for (const [values, v] of sortedSeries(def, data.values[def.name])) lines.push(`${def.name}${labelSet(def.labels, values)} ${formatValue(v)}`);
      continue;
    }
    const bounds = [...(def.buckets ?? []), Infinity];
    const names = [...def.labels, "le"];
    for (const [values, h] of sortedSeries(def, data.histograms[def.name])) {
      let cumulative = 0;
      bounds.forEach((b, i) => {
        cumulative += h.buckets[i] ?? 0;
        lines.push(`${def.name}_bucket${labelSet(names, [...values, formatBound(b)])} ${formatValue(cumulative)}`);
      });
      lines.push(`${def.name}_sum${labelSet(def.labels, values)} ${formatValue(h.sum)}`);
      lines.push(`${def.name}_count${labelSet(def.labels, values)} ${formatValue(h.count)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
