import { describe, expect, it } from "vitest";
import { isModelLoaded } from "../../src/breaker/gpu-state";
import { parseOllamaPs } from "../../src/providers/ollama/memory";

describe("parseOllamaPs", () => {
  it("reads the names of the models in memory", () => {
    const body = {
      models: [
        { name: "gemma3:12b", model: "gemma3:12b", size: 6591830464, expires_at: "2026-12-01T10:05:00Z", size_vram: 6591830464 },
        { model: "qwen2.5:7b", extra: true },
      ],
    };
    expect(parseOllamaPs(body)).toEqual(["gemma3:12b", "qwen2.5:7b"]);
    expect(parseOllamaPs({ models: [] })).toEqual([]);
  });

  it("an answer that is not a model list says nothing (null), never 'nothing loaded'", () => {
    expect(parseOllamaPs("<html>")).toBeNull();
    expect(parseOllamaPs({ error: "not found" })).toBeNull();
    expect(parseOllamaPs({ models: "gemma3" })).toBeNull();
  });
});

describe("isModelLoaded", () => {
  it("matches exact names, and an untagged name as Ollama's :latest", () => {
    expect(isModelLoaded(["gemma3:12b"], "gemma3:12b")).toBe(true);
    expect(isModelLoaded(["llama3:latest"], "llama3")).toBe(true);
    expect(isModelLoaded(["gemma3:12b"], "gemma3")).toBe(false);
    expect(isModelLoaded(["gemma3:4b"], "gemma3:12b")).toBe(false);
  });
});
