import { describe, expect, it } from "vitest";
import { parseAliasesYaml } from "../../src/config/aliases";
import { BUILTIN_PROVIDERS } from "../../src/providers/builtins";
import { ApiError } from "../../src/openai/errors";
import { resolveChain } from "../../src/routing/resolve";

const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;

const CONFIG = parseAliasesYaml(
  yaml(
    "providers:",
    "  lab:",
    "    kind: openai",
    "    base_url: https://lab.example.com/v1",
    "    api_key_env: LAB_API_KEY",
    "aliases:",
    "  mana/fast:",
    '    description: "Fast"',
    "    chain: [ollama/qwen2.5:7b, groq/llama-3.1-8b-instant, openrouter/anthropic/claude-3-haiku]",
    "  mana/embed:",
    '    description: "Embeddings"',
    "    chain: [ollama/nomic-embed-text, lab/nomic-embed-text]",
    "    same_vector_space: true",
    "default: mana/fast",
  ),
);

const KNOWN = new Set([...Object.keys(BUILTIN_PROVIDERS), ...CONFIG.providers.keys()]);

/** The ApiError resolveChain throws; fails the test when it resolves. */
function resolveError(model: string): ApiError {
  try {
    resolveChain(model, CONFIG, "ollama", KNOWN);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected '${model}' to be rejected`);
}

describe("resolveChain: aliases", () => {
  it("maps an alias to its whole chain, in order, as a fallback chain", () => {
    const r = resolveChain("mana/fast", CONFIG, "ollama", KNOWN);
    expect(r).toEqual({
      alias: "mana/fast",
      direct: false,
      sameVectorSpace: false,
      resume: false,
      entries: [
        { provider: "ollama", model: "qwen2.5:7b", id: "ollama/qwen2.5:7b" },
        { provider: "groq", model: "llama-3.1-8b-instant", id: "groq/llama-3.1-8b-instant" },
        { provider: "openrouter", model: "anthropic/claude-3-haiku", id: "openrouter/anthropic/claude-3-haiku" },
      ],
    });
  });

  it("carries same_vector_space through", () => {
    const r = resolveChain("mana/embed", CONFIG, "ollama", KNOWN);
    expect(r.sameVectorSpace).toBe(true);
    expect(r.entries.map((e) => e.id)).toEqual(["ollama/nomic-embed-text", "lab/nomic-embed-text"]);
  });

  it("trims surrounding whitespace from the model before looking it up", () => {
    expect(resolveChain("  mana/fast \n", CONFIG, "ollama", KNOWN).alias).toBe("mana/fast");
  });

  it.each([undefined, "", "   "])("uses the default alias when the model is %j", (model) => {
    const r = resolveChain(model, CONFIG, "ollama", KNOWN);
    expect(r.alias).toBe("mana/fast");
    expect(r.direct).toBe(false);
    expect(r.entries).toHaveLength(3);
  });

  it("rejects an unknown mana/ alias with a 404 on param model that lists the known aliases", () => {
    const err = resolveError("mana/nope");
    expect(err.status).toBe(404);
    expect(err.param).toBe("model");
    expect(err.code).toBe("model_not_found");
    expect(err.message).toContain("mana/nope");
    expect(err.message).toContain("mana/fast");
    expect(err.message).toContain("mana/embed");
    expect(err.toBody().error).toMatchObject({ param: "model", code: "model_not_found" });
  });
});

describe("resolveChain: direct calls", () => {
  it("maps provider/model to a chain of one, no alias", () => {
    const r = resolveChain("groq/llama-3.3-70b-versatile", CONFIG, "ollama", KNOWN);
    expect(r).toEqual({
      direct: true,
      sameVectorSpace: false,
      resume: false,
      entries: [{ provider: "groq", model: "llama-3.3-70b-versatile", id: "groq/llama-3.3-70b-versatile" }],
    });
    expect(r.alias).toBeUndefined();
  });

  it("keeps every further slash in the model part", () => {
    const r = resolveChain("openrouter/anthropic/claude-3-haiku", CONFIG, "ollama", KNOWN);
    expect(r.entries).toEqual([{ provider: "openrouter", model: "anthropic/claude-3-haiku", id: "openrouter/anthropic/claude-3-haiku" }]);
    expect(r.direct).toBe(true);
  });

  it("accepts a provider declared under providers:", () => {
    const r = resolveChain("lab/some-model", CONFIG, "ollama", KNOWN);
    expect(r.entries).toEqual([{ provider: "lab", model: "some-model", id: "lab/some-model" }]);
  });

  it("sends a bare model name to the default provider", () => {
    const r = resolveChain("qwen2.5:7b", CONFIG, "ollama", KNOWN);
    expect(r).toEqual({
      direct: true,
      sameVectorSpace: false,
      resume: false,
      entries: [{ provider: "ollama", model: "qwen2.5:7b", id: "ollama/qwen2.5:7b" }],
    });
  });

  it("uses whichever default provider it is given", () => {
    const r = resolveChain("llama-3.1-8b-instant", CONFIG, "groq", KNOWN);
    expect(r.entries).toEqual([{ provider: "groq", model: "llama-3.1-8b-instant", id: "groq/llama-3.1-8b-instant" }]);
  });

  it("sends a name whose prefix is not a provider to the default provider, whole", () => {
    const r = resolveChain("meta-llama/Llama-3", CONFIG, "ollama", KNOWN);
    expect(r.entries).toEqual([{ provider: "ollama", model: "meta-llama/Llama-3", id: "ollama/meta-llama/Llama-3" }]);
    expect(r.direct).toBe(true);
  });

  it("treats a provider missing from knownProviders as part of the model name", () => {
    const r = resolveChain("groq/llama-3.1-8b-instant", CONFIG, "ollama", new Set(["ollama"]));
    expect(r.entries).toEqual([{ provider: "ollama", model: "groq/llama-3.1-8b-instant", id: "ollama/groq/llama-3.1-8b-instant" }]);
  });
});
