import { describe, expect, it } from "vitest";
import { buildOllamaEmbedRequest, estimateTokens, parseOllamaEmbedResponse } from "../../src/providers/ollama/embeddings";
import { UpstreamError } from "../../src/providers/failures";
import embed from "../fixtures/ollama/embed.json";
import embedNoCount from "../fixtures/ollama/embed-no-count.json";

describe("Ollama embeddings", () => {
  it("batches every input into one /api/embed call and never truncates silently", () => {
    expect(buildOllamaEmbedRequest("nomic-embed-text", ["a", "b"])).toEqual({ model: "nomic-embed-text", input: ["a", "b"], truncate: false });
    expect(buildOllamaEmbedRequest("m", ["a"], 256)).toEqual({ model: "m", input: ["a"], truncate: false, dimensions: 256 });
  });

  it("uses Ollama's prompt_eval_count when it gives one", () => {
    const r = parseOllamaEmbedResponse(embed, ["Hallo Welt", "Guten Morgen"]);
    expect(r.vectors).toEqual(embed.embeddings);
    expect(r.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    expect(r.usageEstimated).toBeUndefined();
  });

  it("estimates usage (and says so) when Ollama gives no count", () => {
    const r = parseOllamaEmbedResponse(embedNoCount, ["twelve chars"]);
    expect(r.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(r.usageEstimated).toBe(true);
    expect(estimateTokens(["abcde", ""])).toBe(2);
  });

  it("rejects a response with the wrong number of vectors or shape as malformed", () => {
    expect(() => parseOllamaEmbedResponse(embedNoCount, ["a", "b"])).toThrow(UpstreamError);
    expect(() => parseOllamaEmbedResponse({ embedding: [1, 2] }, ["a"])).toThrow(/unreadable/);
  });
});
