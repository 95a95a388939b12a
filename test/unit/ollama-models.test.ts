import { describe, expect, it } from "vitest";
import { parseOllamaTags, unixSeconds } from "../../src/providers/ollama/models";
import tags from "../fixtures/ollama/tags.json";

describe("parseOllamaTags", () => {
  it("lists models as <provider>/<name> with created from modified_at", () => {
    expect(parseOllamaTags(tags, "ollama")).toEqual([
      { id: "ollama/qwen2.5:7b", object: "model", created: (Date.parse("2025-10-02T16:21:47.390Z") / 1000) | 0, owned_by: "ollama" },
      { id: "ollama/gemma3:12b", object: "model", created: (Date.parse("2025-09-14T07:05:12.118Z") / 1000) | 0, owned_by: "ollama" },
      { id: "ollama/nomic-embed-text:latest", object: "model", created: Date.parse("2025-08-30T12:00:00Z") / 1000, owned_by: "ollama" },
    ]);
  });

  it("names models after the configured provider (an extra Ollama in aliases.yaml)", () => {
    expect(parseOllamaTags({ models: [{ name: "llama3.1:8b" }] }, "gpu2")).toEqual([{ id: "gpu2/llama3.1:8b", object: "model", created: 0, owned_by: "gpu2" }]);
  });

  it("rejects an unreadable answer", () => {
    expect(() => parseOllamaTags({ data: [] }, "ollama")).toThrow(/unreadable/);
  });
});

describe("unixSeconds", () => {
  it("reads nanosecond RFC 3339 timestamps and falls back to 0", () => {
    expect(unixSeconds("2025-10-02T18:21:47.390716917+02:00")).toBe(Math.floor(Date.parse("2025-10-02T16:21:47Z") / 1000));
    expect(unixSeconds("yesterday")).toBe(0);
    expect(unixSeconds(undefined)).toBe(0);
  });
});
