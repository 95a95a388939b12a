import { describe, expect, it } from "vitest";
import { MetricsRecorder } from "../../src/observability/recorder";
import { emptyData, mergeInto, seriesKey, type MetricsData } from "../../src/observability/metric-data";
import { METRIC_BY_NAME, METRICS } from "../../src/observability/metric-defs";
import { displayPattern } from "../../src/middleware/request-metrics";

const T0 = 1_700_000_000_000;
const labels = (status: string) => ({ method: "GET", endpoint: "/health", status });
const requestsIn = (d: MetricsData) => d.values[METRICS.requests.name] ?? {};

/** A recorder on a fake clock and a fake store; timers fire only when the test says so. */
function harness(opts: { failSends?: number; cap?: number } = {}) {
  let now = T0;
  let failSends = opts.failSends ?? 0;
  const sent: MetricsData[] = [];
  const timers: Array<{ ms: number; fire: () => void }> = [];
  const background: Promise<unknown>[] = [];
  const recorder = new MetricsRecorder({
    send: async (delta) => {
      if (failSends-- > 0) throw new Error("shard overloaded");
      sent.push(structuredClone(delta));
    },
    now: () => now,
    wait: (ms) => new Promise<void>((fire) => timers.push({ ms, fire })),
    intervalMs: 1_000,
    cap: opts.cap,
  });
  return {
    recorder,
    sent,
    timers,
    advance: (ms: number) => void (now += ms),
    afterRequest: () => recorder.flushSoon((p) => void background.push(p)),
    settle: () => Promise.all(background),
    /** Everything the store received, added up. */
    stored: () =>
      sent.reduce((acc, d) => {
        mergeInto(acc, d, { defs: METRIC_BY_NAME, cap: Infinity });
        return acc;
      }, emptyData()),
  };
}

describe("metrics recorder", () => {
  it("flushes on an isolate's first request", async () => {
    const h = harness();
    h.recorder.inc(METRICS.requests, labels("200"));
    h.afterRequest();
    await h.settle();
    expect(h.sent).toHaveLength(1);
    expect(requestsIn(h.sent[0]!)).toEqual({ [seriesKey(METRICS.requests, labels("200"))]: 1 });
  });

  it("inside the interval, buffers and schedules exactly one trailing flush for the rest", async () => {
    const h = harness();
    h.recorder.inc(METRICS.requests, labels("200"));
    h.afterRequest();
    for (let i = 0; i < 5; i++) {
      h.advance(100);
      h.recorder.inc(METRICS.requests, labels("200"));
      h.afterRequest();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([900]);
    expect(h.sent).toHaveLength(1);
    h.advance(900);
    h.timers[0]!.fire();
    await h.settle();
    expect(h.sent).toHaveLength(2);
    expect(requestsIn(h.stored())[seriesKey(METRICS.requests, labels("200"))]).toBe(6);
  });

  it("after the interval, flushes at once without a timer", async () => {
    const h = harness();
    h.recorder.inc(METRICS.requests, labels("200"));
    h.afterRequest();
    h.advance(1_500);
    h.recorder.inc(METRICS.requests, labels("500"));
    h.afterRequest();
    await h.settle();
    expect(h.timers).toEqual([]);
    expect(h.sent).toHaveLength(2);
  });

  it("does nothing when nothing was recorded", async () => {
    const h = harness();
    h.afterRequest();
    await h.recorder.flush();
    expect(h.sent).toEqual([]);
    expect(h.timers).toEqual([]);
  });

  it("keeps a delta whose send failed and sends it with the next flush", async () => {
    const h = harness({ failSends: 1 });
    h.recorder.inc(METRICS.requests, labels("200"), 3);
    await h.recorder.flush();
    expect(h.sent).toEqual([]);
    h.recorder.inc(METRICS.requests, labels("200"));
    await h.recorder.flush();
    expect(requestsIn(h.stored())[seriesKey(METRICS.requests, labels("200"))]).toBe(4);
  });

  it("settle sends the buffer at once, ignoring the interval (a scrape sees this isolate's traffic)", async () => {
    const h = harness();
    h.recorder.inc(METRICS.requests, labels("200"));
    h.afterRequest();
    h.advance(10);
    h.recorder.inc(METRICS.requests, labels("404"));
    await h.recorder.settle(1_000);
    const stored = requestsIn(h.stored());
    expect(stored[seriesKey(METRICS.requests, labels("404"))]).toBe(1);
  });

  it("caps the series it buffers and counts what it refused", async () => {
    const h = harness({ cap: 2 });
    for (const model of ["a", "b", "c", "d"]) h.recorder.inc(METRICS.llmRequests, { provider: "groq", model, streaming: "false" });
    await h.recorder.flush();
    const stored = h.stored();
    expect(Object.keys(stored.values[METRICS.llmRequests.name]!)).toHaveLength(2);
    expect(stored.values[METRICS.seriesDropped.name]).toEqual({ [seriesKey(METRICS.seriesDropped, { metric: METRICS.llmRequests.name })]: 2 });
  });
});

describe("endpoint label", () => {
  it("names a route by its pattern, not the raw path", () => {
    expect(displayPattern("/v1/models/:id{.+}")).toBe("/v1/models/{id}");
    expect(displayPattern("/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(displayPattern("/a/:x/b/:y")).toBe("/a/{x}/b/{y}");
  });
});
