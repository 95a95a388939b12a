/**
 * Metric label values from client input are bounded (issue 11 finding 12): a model the
 * config defines is its own series; every model a client names directly shares `other`,
 * so no number of made-up names can fill the series cap and push real series out.
 */
import { describe, expect, it } from "vitest";
import { parseAliasesYaml, parseChainEntry } from "../../src/config/aliases";
import { observeLlm, OTHER_MODEL } from "../../src/observability/llm-metrics";
import { emptyData, mergeInto, seriesKey, type MetricsData } from "../../src/observability/metric-data";
import { MAX_SERIES_PER_METRIC, METRIC_BY_NAME, METRICS } from "../../src/observability/metric-defs";
import { MetricsRecorder } from "../../src/observability/recorder";
import { resolveChain } from "../../src/routing/resolve";

const CONFIG = parseAliasesYaml("aliases:\n  mana/fast:\n    description: Fast\n    chain: [groq/llama-3.1-8b-instant]\ndefault: mana/fast\n");
const KNOWN = new Set(["groq", "ollama"]);

function harness() {
  const sent: MetricsData[] = [];
  const recorder = new MetricsRecorder({ send: async (d) => void sent.push(structuredClone(d)), now: () => 0, wait: () => new Promise(() => {}) });
  const observe = () => observeLlm(recorder, { streaming: false, now: () => 0, waitUntil: () => {} });
  const stored = async () => {
    await recorder.flush();
    const all = emptyData();
    for (const d of sent) mergeInto(all, d, { defs: METRIC_BY_NAME, cap: Infinity });
    return all;
  };
  return { observe, stored };
}

const requests = (d: MetricsData) => d.values[METRICS.llmRequests.name] ?? {};
const key = (model: string, provider = "groq") => seriesKey(METRICS.llmRequests, { provider, model, streaming: "false" });

describe("model labels", () => {
  it(`${MAX_SERIES_PER_METRIC + 500} distinct made-up models do not evict a legitimate series`, async () => {
    const { observe, stored } = harness();
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 500; i++) {
      const chain = resolveChain(`groq/bogus-${i}`, CONFIG, "ollama", KNOWN);
      observe().calling(chain.entries[0]!);
      observe().failed(resolveChain(`bare-bogus-${i}`, CONFIG, "ollama", KNOWN).entries[0]!, "model-not-found");
    }
    const legit = resolveChain("mana/fast", CONFIG, "ollama", KNOWN);
    observe().calling(legit.entries[0]!);
    const data = await stored();
    expect(requests(data)[key("llama-3.1-8b-instant")]).toBe(1);
    expect(requests(data)[key(OTHER_MODEL)]).toBe(MAX_SERIES_PER_METRIC + 500);
    expect(Object.keys(requests(data))).toHaveLength(2);
    expect(Object.keys(data.values[METRICS.llmErrors.name] ?? {})).toEqual([seriesKey(METRICS.llmErrors, { provider: "ollama", model: OTHER_MODEL, error_type: "model-not-found" })]);
  });

  it("a direct call naming a model that the config also names is still `other` (the label is about where the entry came from)", async () => {
    const { observe, stored } = harness();
    observe().calling(parseChainEntry("groq/llama-3.1-8b-instant")!);
    expect(Object.keys(requests(await stored()))).toEqual([key(OTHER_MODEL)]);
  });
});
