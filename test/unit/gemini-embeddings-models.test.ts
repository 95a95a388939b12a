import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/failures";
import { buildBatchEmbedRequest, estimateTokens, parseBatchEmbedResponse } from "../../src/providers/gemini/embeddings";
import { geminiModelsPage } from "../../src/providers/gemini/models";
import batchEmbed from "../fixtures/gemini/batch-embed.json";
import page1 from "../fixtures/gemini/models-page-1.json";
import page2 from "../fixtures/gemini/models-page-2.json";

describe("Gemini embeddings converters", () => {
  it("one request per input, each naming the model as in the URL; dimensions → outputDimensionality", () => {
    expect(buildBatchEmbedRequest("gemini-embedding-001", ["a", "b"], 256)).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] }, outputDimensionality: 256 },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] }, outputDimensionality: 256 },
      ],
    });
    expect(buildBatchEmbedRequest("models/text-embedding-004", ["a"]).requests[0]).toEqual({ model: "models/text-embedding-004", content: { parts: [{ text: "a" }] } });
  });

  it("vectors in input order; a count mismatch or a wrong shape is malformed", () => {
    expect(parseBatchEmbedResponse(batchEmbed, 2)).toEqual([
      [0.0123, -0.0456, 0.0789],
      [-0.0111, 0.0222, -0.0333],
    ]);
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof UpstreamError ? e.failure.kind : "other";
      }
      return "none";
    };
    expect(err(() => parseBatchEmbedResponse(batchEmbed, 3))).toBe("malformed");
    expect(err(() => parseBatchEmbedResponse({ embedding: { values: [1] } }, 1))).toBe("malformed");
  });

  it("token estimate: about four characters a token, at least one per input", () => {
    expect(estimateTokens(["abcdefgh", ""])).toBe(3);
  });
});

describe("Gemini models page", () => {
  it("ids become <provider>/<id>; models the router cannot call are left out; the page token is passed on", () => {
    expect(geminiModelsPage(page1, "google")).toEqual({
      models: [{ id: "google/gemini-2.5-flash", object: "model", created: 0, owned_by: "google" }],
      nextPageToken: "Chdtb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==",
    });
    expect(geminiModelsPage(page2, "gem2")).toEqual({ models: [{ id: "gem2/gemini-embedding-001", object: "model", created: 0, owned_by: "google" }] });
  });
});
