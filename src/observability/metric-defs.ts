/**
 * Every metric the router exposes. The names and label sets are a contract: existing
 * dashboards query them (DESIGN.md § HTTP contract), so rename nothing here.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricDef<L extends string = string> {
  name: string;
  help: string;
  type: MetricType;
  labels: readonly L[];
  /** Histogram upper bounds in seconds, ascending; +Inf is implicit. */
  buckets?: readonly number[];
}

/** The label values of one series of `D`, by label name. */
export type LabelsOf<D> = D extends MetricDef<infer L> ? Readonly<Record<L, string>> : never;

function metric<const L extends string>(def: MetricDef<L>): MetricDef<L> {
  return def;
}

/** prometheus_client's default buckets: what the dashboards' request-latency panels were built on. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;
/** Upstream answers take seconds to minutes (REQUEST_TIMEOUT_MS defaults to 120 s). */
const LLM_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120] as const;

export const METRICS = {
  requests: metric({
    name: "mana_llm_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    type: "counter",
    labels: ["method", "endpoint", "status"],
  }),
  requestLatency: metric({
    name: "mana_llm_request_latency_seconds",
    help: "Time until the response head was ready, by route pattern (a stream's full length is in mana_llm_llm_latency_seconds).",
    type: "histogram",
    labels: ["endpoint"],
    buckets: REQUEST_BUCKETS,
  }),
  llmRequests: metric({
    name: "mana_llm_llm_requests_total",
    help: "Upstream calls made (a same-entry retry is a second call), by provider, model and whether the client streamed.",
    type: "counter",
    labels: ["provider", "model", "streaming"],
  }),
  tokens: metric({
    name: "mana_llm_tokens_total",
    help: "Tokens reported by the upstream that answered, by type (prompt or completion).",
    type: "counter",
    labels: ["provider", "model", "type"],
  }),
  llmLatency: metric({
    name: "mana_llm_llm_latency_seconds",
    help: "Time from the answering upstream call's start to the end of its answer (end of stream for streams).",
    type: "histogram",
    labels: ["provider", "model"],
    buckets: LLM_BUCKETS,
  }),
  llmErrors: metric({
    name: "mana_llm_llm_errors_total",
    help: "Chain entries skipped or upstream calls failed, by attempt reason (the X-Mana-LLM-Attempts vocabulary).",
    type: "counter",
    labels: ["provider", "model", "error_type"],
  }),
  aliasResolved: metric({
    name: "mana_llm_alias_resolved_total",
    help: "Requests for an alias, by the chain entry that answered.",
    type: "counter",
    labels: ["alias", "target"],
  }),
  fallback: metric({
    name: "mana_llm_fallback_total",
    help: "Answers that came from a later chain entry: from the first entry skipped or failed, to the one that answered.",
    type: "counter",
    labels: ["from_model", "to_model", "reason"],
  }),
  malformedEvents: metric({
    name: "mana_llm_malformed_events_total",
    help: "Unreadable upstream stream events skipped.",
    type: "counter",
    labels: ["provider", "model"],
  }),
  providerHealthy: metric({
    name: "mana_llm_provider_healthy",
    help: "1 when the provider's circuit breaker is closed, 0 when open or half-open (read at scrape time).",
    type: "gauge",
    labels: ["provider"],
  }),
  inflight: metric({
    name: "mana_llm_inflight",
    help: "Requests holding a capacity lease on the provider (Ollama and providers with max_concurrent), read at scrape time.",
    type: "gauge",
    labels: ["provider"],
  }),
  providerMisconfigured: metric({
    name: "mana_llm_provider_misconfigured",
    help: "1 when the provider's last probe was refused with 401/403 (the router's credentials are wrong).",
    type: "gauge",
    labels: ["provider"],
  }),
  breakerTransitions: metric({
    name: "mana_llm_breaker_transitions_total",
    help: "Circuit breaker state changes, by provider.",
    type: "counter",
    labels: ["provider", "from", "to"],
  }),
  seriesDropped: metric({
    name: "mana_llm_metrics_series_dropped_total",
    help: "Updates refused because the metric already had its maximum number of series, or a label value was too long.",
    type: "counter",
    labels: ["metric"],
  }),
} as const;

/** Exposition order. */
export const METRIC_DEFS: readonly MetricDef[] = Object.values(METRICS);

export const METRIC_BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRIC_DEFS.map((d) => [d.name, d]));

/**
 * Distinct series per metric (per isolate buffer and per store shard). Model names can come
 * from the client (`provider/anything`), so without a cap a caller could grow the store at will.
 */
export const MAX_SERIES_PER_METRIC = 1000;

/** A longer label value is refused (and counted) rather than stored. */
export const MAX_LABEL_LENGTH = 256;
