import { describe, expect, it } from "vitest";
import { parseOpenAIEmbedResponse } from "../../src/providers/openai-compatible/embeddings";
import { mapOpenAIFinishReason } from "../../src/providers/openai-compatible/map-finish-reason";
import { parseOpenAIModels } from "../../src/providers/openai-compatible/models";
import { UpstreamError } from "../../src/providers/failures";

const failureOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof UpstreamError ? err.failure : err;
  }
  return undefined;
};

describe("parseOpenAIEmbedResponse", () => {
  it("orders the vectors by index and reads the usage", () => {
    const json = {
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
      usage: { prompt_tokens: 4, total_tokens: 4 },
    };
    expect(parseOpenAIEmbedResponse(json, 2)).toEqual({ vectors: [[1], [2]], usage: { prompt_tokens: 4, total_tokens: 4 } });
  });

  it("counts an absent or unreadable usage as none", () => {
    expect(parseOpenAIEmbedResponse({ data: [{ embedding: [1] }], usage: "n/a" }, 1).usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  it.each([
    ["a count mismatch", { data: [{ embedding: [1] }] }, 2],
    ["a vector that is not numbers", { data: [{ embedding: "AAAA" }] }, 1],
    ["no data list", { object: "list" }, 1],
    ["no JSON at all", undefined, 1],
  ])("%s is malformed", (_name, json, expected) => {
    expect(failureOf(() => parseOpenAIEmbedResponse(json, expected))).toEqual({ kind: "malformed", message: "embeddings response does not hold one vector per input" });
  });
});

describe("parseOpenAIModels", () => {
  it("names entries <provider>/<id>, skips entries without a string id, and reads created when it is a number", () => {
    const json = { data: [{ id: "a", created: 5 }, { id: 7 }, null, { id: "b", created: "soon" }] };
    expect(parseOpenAIModels(json, "groq")).toEqual([
      { id: "groq/a", object: "model", created: 5, owned_by: "groq" },
      { id: "groq/b", object: "model", created: 0, owned_by: "groq" },
    ]);
  });

  it("a list without data is malformed", () => {
    expect(failureOf(() => parseOpenAIModels({ models: [] }, "groq"))).toMatchObject({ kind: "malformed" });
  });
});

describe("mapOpenAIFinishReason", () => {
  it.each([
    [null, null],
    [undefined, null],
    ["stop", "stop"],
    ["length", "length"],
    ["tool_calls", "tool_calls"],
    ["content_filter", "content_filter"],
    ["eos", "stop"],
  ] as const)("%s → %s", (reason, expected) => {
    expect(mapOpenAIFinishReason(reason)).toBe(expected);
  });
});
