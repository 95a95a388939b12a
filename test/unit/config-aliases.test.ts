import { describe, expect, it } from "vitest";
import shippedYaml from "../../aliases.yaml";
import { ConfigError, parseAliasesYaml, parseChainEntry } from "../../src/config/aliases";

/** Joins lines so each test can state the line numbers it expects. */
const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;

/** Parses and returns the ConfigError's message; fails the test when parsing succeeds. */
function configError(text: string): string {
  try {
    parseAliasesYaml(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error("expected a ConfigError, but the config parsed");
}

const VALID = yaml("aliases:", "  mana/fast:", '    description: "Fast"', "    chain: [ollama/qwen2.5:7b, openrouter/anthropic/claude-3-haiku]", "default: mana/fast");

describe("parseAliasesYaml: valid input", () => {
  it("returns a frozen config whose chain entries split at the first slash", () => {
    const config = parseAliasesYaml(VALID);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.defaultAlias).toBe("mana/fast");
    expect(config.source).toBe("bundled");
    const alias = config.aliases.get("mana/fast")!;
    expect(Object.isFrozen(alias)).toBe(true);
    expect(Object.isFrozen(alias.chain)).toBe(true);
    expect(alias.description).toBe("Fast");
    expect(alias.sameVectorSpace).toBe(false);
    expect(alias.resume).toBe(false);
    expect(alias.chain).toEqual([
      { provider: "ollama", model: "qwen2.5:7b", id: "ollama/qwen2.5:7b" },
      { provider: "openrouter", model: "anthropic/claude-3-haiku", id: "openrouter/anthropic/claude-3-haiku" },
    ]);
  });

  it("derives the version from the text: same text, same version; another text, another", () => {
    const a = parseAliasesYaml(VALID).version;
    expect(a).toMatch(/^bundled-[0-9a-f]{8}$/);
    expect(parseAliasesYaml(VALID).version).toBe(a);
    expect(parseAliasesYaml(VALID.replace('"Fast"', '"Faster"')).version).not.toBe(a);
    expect(parseAliasesYaml(VALID, "override", "v7").version).toBe("v7");
    // The source is part of the version, so an ALIASES_YAML config never passes for the bundled one.
    expect(parseAliasesYaml(VALID, "env").version).toBe(a.replace("bundled-", "env-"));
  });

  it("accepts a chain entry on a provider declared under providers:", () => {
    const config = parseAliasesYaml(
      yaml(
        "aliases:",
        "  mana/local:",
        "    description: Local",
        "    chain: [lmstudio/qwen3-8b, ollama/qwen2.5:7b]",
        "default: mana/local",
        "providers:",
        '  lmstudio: {kind: openai, base_url: "http://127.0.0.1:1234/v1/", api_key_env: LMSTUDIO_API_KEY}',
        '  gpu2: {kind: ollama, base_url: "http://10.0.0.2:11434"}',
      ),
    );
    expect(config.aliases.get("mana/local")!.chain[0]).toEqual({ provider: "lmstudio", model: "qwen3-8b", id: "lmstudio/qwen3-8b" });
    // The trailing slash is dropped so paths can be appended; Ollama needs no key.
    expect(config.providers.get("lmstudio")).toEqual({ name: "lmstudio", kind: "openai", baseUrl: "http://127.0.0.1:1234/v1", apiKeyEnv: "LMSTUDIO_API_KEY", prefill: false });
    expect(config.providers.get("gpu2")).toEqual({ name: "gpu2", kind: "ollama", baseUrl: "http://10.0.0.2:11434", apiKeyEnv: undefined, prefill: false });
  });

  it("reads same_vector_space", () => {
    const config = parseAliasesYaml(
      yaml(
        "aliases:",
        "  mana/embed:",
        "    description: Embeddings",
        "    chain: [ollama/nomic-embed-text, together/nomic-ai/nomic-embed-text-v1.5]",
        "    same_vector_space: true",
        "default: mana/embed",
      ),
    );
    expect(config.aliases.get("mana/embed")!.sameVectorSpace).toBe(true);
  });

  it("reads resume on an alias and prefill on a declared provider (both false unless declared)", () => {
    const config = parseAliasesYaml(
      yaml(
        "aliases:",
        "  mana/long:",
        "    description: Long",
        "    chain: [ollama/gemma3:12b, lab/big]",
        "    resume: true",
        "default: mana/long",
        "providers:",
        '  lab: {kind: openai, base_url: "https://lab.example/v1", api_key_env: LAB_KEY, prefill: true}',
        '  other: {kind: openai, base_url: "https://other.example/v1", api_key_env: OTHER_KEY}',
      ),
    );
    expect(config.aliases.get("mana/long")!.resume).toBe(true);
    expect(config.providers.get("lab")!.prefill).toBe(true);
    expect(config.providers.get("other")!.prefill).toBe(false);
  });
});

describe("parseAliasesYaml: every rule names where it broke", () => {
  it("invalid YAML syntax names the line", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "   chain: [ollama/a]", "default: mana/fast"));
    expect(msg).toMatch(/^aliases\.yaml line 4: invalid YAML: /);
    expect(configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: [ollama/a]]", "default: mana/fast"))).toContain("line 4");
  });

  it("a duplicate alias is an error naming its line, not a silent overwrite", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: One", "    chain: [ollama/a]", "  mana/fast:", "    description: Two", "    chain: [ollama/b]", "default: mana/fast"));
    expect(msg).toContain("line 5");
    expect(msg).toMatch(/unique|duplicate/i);
  });

  it("the root must be a mapping", () => {
    expect(configError(yaml("- mana/fast", "- mana/slow"))).toMatch(/line 1: the root of aliases\.yaml must be a mapping/);
    expect(configError("")).toMatch(/root of aliases\.yaml must be a mapping/);
    expect(configError("just a string\n")).toMatch(/root of aliases\.yaml must be a mapping/);
  });

  it("aliases must be present", () => {
    const msg = configError(yaml("default: mana/fast"));
    expect(msg).toMatch(/\baliases\b/);
    expect(msg).toMatch(/mapping/);
  });

  it("aliases must be a mapping", () => {
    const msg = configError(yaml("# header", "aliases:", "  - mana/fast", "default: mana/fast"));
    expect(msg).toContain("line 3");
    expect(msg).toMatch(/aliases must be a mapping/);
  });

  it("aliases must not be empty", () => {
    const msg = configError(yaml("default: mana/fast", "aliases: {}"));
    expect(msg).toContain("line 2");
    expect(msg).toMatch(/at least one alias/);
  });

  it.each([
    ["fast-text", "no mana/ prefix"],
    ["mana/fast/text", "two segments"],
    ["mana/", "an empty segment"],
    ["openai/fast", "another namespace"],
    ["mana/fast text", "a space"],
  ])("alias name %j (%s) is refused, naming the alias and its line", (name) => {
    const msg = configError(yaml("aliases:", "  mana/ok:", "    description: Fine", "    chain: [ollama/a]", `  "${name}":`, "    description: Bad name", "    chain: [ollama/a]", "default: mana/ok"));
    expect(msg).toContain(`alias "${name}"`);
    expect(msg).toContain("line 5");
    expect(msg).toMatch(/mana\/<one segment>/);
  });

  it("an alias body must be a mapping", () => {
    const msg = configError(yaml("aliases:", "  mana/ok:", "    description: Fine", "    chain: [ollama/a]", "  mana/bad: [ollama/a]", "default: mana/ok"));
    expect(msg).toContain('alias "mana/bad"');
    expect(msg).toContain("line 5");
    expect(msg).toMatch(/mapping with description and chain/);
  });

  it("description must be a string", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: [not, a, string]", "    chain: [ollama/a]", "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("line 3");
    expect(msg).toMatch(/description must be a string/);
  });

  it("description is required", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    chain: [ollama/a]", "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toMatch(/description/);
    expect(msg).toContain("line 2");
  });

  it("chain must be a list", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: ollama/a", "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("line 4");
    expect(msg).toMatch(/chain must be a list of provider\/model strings/);
  });

  it("chain must not be empty", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: []", "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("line 4");
    expect(msg).toMatch(/chain must not be empty/);
  });

  it.each([
    ['""', "an empty string"],
    ["qwen2.5", "no provider"],
    ["ollama/", "no model"],
    ["/qwen2.5", "an empty provider"],
  ])("chain entry %s (%s) names the alias, the index and the line", (entry) => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain:", "      - ollama/a", `      - ${entry}`, "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("chain[1]");
    expect(msg).toContain("line 6");
    expect(msg).toMatch(/not a provider\/model string/);
  });

  it("a chain entry that is not a string names the alias, the index and the line", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain:", "      - ollama/a", "      - groq/b", "      - 42", "default: mana/fast"));
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("chain[2]");
    expect(msg).toContain("line 7");
    expect(msg).toMatch(/must be (a )?strings?/);
  });

  it("an unknown provider names the alias, the index, the provider and the line", () => {
    const msg = configError(
      yaml(
        "aliases:",
        "  mana/ok:",
        "    description: Fine",
        "    chain: [ollama/a]",
        "  mana/fast:",
        "    description: Fast",
        "    chain:",
        "      - ollama/a",
        "      - lmstudio/qwen3-8b",
        "default: mana/ok",
      ),
    );
    expect(msg).toContain('alias "mana/fast"');
    expect(msg).toContain("chain[1]");
    expect(msg).toContain('unknown provider "lmstudio"');
    expect(msg).toContain("line 9");
    expect(msg).toMatch(/providers:/);
  });

  it("default is required", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: [ollama/a]"));
    expect(msg).toMatch(/default must name one of the aliases/);
  });

  it("default must name a defined alias, and the message lists the defined ones", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: [ollama/a]", "default: mana/slow"));
    expect(msg).toContain('default "mana/slow" is not a defined alias');
    expect(msg).toContain("mana/fast");
    expect(msg).toContain("line 5");
  });

  const withProvider = (body: string) => yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: [ollama/a]", "default: mana/fast", "providers:", "  lmstudio:", ...body.split("\n"));

  it("a provider needs a known kind", () => {
    const msg = configError(withProvider('    kind: anthropic\n    base_url: "http://127.0.0.1:1234/v1"\n    api_key_env: LMSTUDIO_API_KEY'));
    expect(msg).toContain("lmstudio");
    expect(msg).toContain("line 8");
    expect(msg).toMatch(/kind must be one of openai, ollama, gemini/);
  });

  it.each(["not a url", "ftp://127.0.0.1/v1", ""])("a provider needs a valid http(s) base_url (%j)", (url) => {
    const msg = configError(withProvider(`    kind: openai\n    base_url: "${url}"\n    api_key_env: LMSTUDIO_API_KEY`));
    expect(msg).toContain("lmstudio");
    expect(msg).toContain("line 9");
    expect(msg).toMatch(/base_url must be an http\(s\) URL/);
  });

  it("an openai-kind provider must name its key's env var", () => {
    const msg = configError(withProvider('    kind: openai\n    base_url: "http://127.0.0.1:1234/v1"'));
    expect(msg).toContain('provider "lmstudio"');
    expect(msg).toContain("line 7");
    expect(msg).toMatch(/api_key_env must name the environment variable/);
  });

  it("api_key_env must look like an environment variable name", () => {
    const msg = configError(withProvider('    kind: gemini\n    base_url: "http://127.0.0.1:1234/v1"\n    api_key_env: sk-live-123'));
    expect(msg).toContain("lmstudio");
    expect(msg).toContain("line 10");
    expect(msg).toMatch(/UPPER_SNAKE/);
  });

  it.each([
    ["0", /at least 1/],
    ["2.5", /whole number/],
    ['"three"', /whole number/],
  ])("max_concurrent must be a whole number from 1 (%s)", (value, why) => {
    const msg = configError(withProvider(`    kind: ollama\n    base_url: "http://127.0.0.1:11434"\n    max_concurrent: ${value}`));
    expect(msg).toContain("lmstudio");
    expect(msg).toContain("line 10");
    expect(msg).toMatch(why);
  });

  it("max_concurrent is kept on the declared provider", () => {
    const config = parseAliasesYaml(withProvider('    kind: ollama\n    base_url: "http://127.0.0.1:11434"\n    max_concurrent: 2'));
    expect(config.providers.get("lmstudio")).toMatchObject({ kind: "ollama", maxConcurrent: 2 });
  });

  it("a declared provider may not shadow a built-in one", () => {
    const msg = configError(
      yaml(
        "aliases:",
        "  mana/fast:",
        "    description: Fast",
        "    chain: [groq/a]",
        "default: mana/fast",
        "providers:",
        '  groq: {kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: MY_GROQ_KEY}',
      ),
    );
    expect(msg).toContain('provider "groq" is built in');
    expect(msg).toContain("line 7");
  });

  it("a provider name must be a plain lower-case identifier", () => {
    const msg = configError(
      yaml(
        "aliases:",
        "  mana/fast:",
        "    description: Fast",
        "    chain: [ollama/a]",
        "default: mana/fast",
        "providers:",
        '  "LM Studio": {kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: LM_KEY}',
      ),
    );
    expect(msg).toContain('provider "LM Studio"');
    expect(msg).toContain("line 7");
  });

  it("same_vector_space must be a boolean", () => {
    const msg = configError(yaml("aliases:", "  mana/embed:", "    description: E", "    chain: [ollama/a]", '    same_vector_space: "yes"', "default: mana/embed"));
    expect(msg).toContain('alias "mana/embed"');
    expect(msg).toContain("line 5");
    expect(msg).toMatch(/same_vector_space must be true or false/);
  });

  it("resume and prefill must be booleans", () => {
    const alias = configError(yaml("aliases:", "  mana/t:", "    description: T", "    chain: [ollama/a]", "    resume: sometimes", "default: mana/t"));
    expect(alias).toContain('alias "mana/t"');
    expect(alias).toContain("line 5");
    expect(alias).toMatch(/resume must be true or false/);
    const provider = configError(
      yaml(
        "aliases:",
        "  mana/t:",
        "    description: T",
        "    chain: [lab/a]",
        "default: mana/t",
        "providers:",
        '  lab: {kind: openai, base_url: "https://lab.example/v1", api_key_env: LAB_KEY, prefill: 1}',
      ),
    );
    expect(provider).toMatch(/prefill must be true or false/);
  });
});

describe("parseAliasesYaml: anchors and aliases (issue 11 finding 5)", () => {
  /** `n` aliases sharing one `&base` body. */
  const shared = (n: number) =>
    yaml("base: &base", "  description: Shared", "  chain: [ollama/a, groq/b]", "aliases:", ...Array.from({ length: n }, (_, i) => `  mana/a${i}: *base`), "default: mana/a0");

  it("a file sharing one &base among 500 aliases is accepted", () => {
    const config = parseAliasesYaml(shared(500));
    expect(config.aliases.size).toBe(500);
    expect(config.aliases.get("mana/a499")?.chain.map((e) => e.id)).toEqual(["ollama/a", "groq/b"]);
  });

  it("merge keys (<<: *base) are accepted", () => {
    const config = parseAliasesYaml(yaml("x: &x", "  chain: [ollama/a]", "aliases:", "  mana/m:", "    <<: *x", "    description: Merged", "default: mana/m"));
    expect(config.aliases.get("mana/m")?.chain.map((e) => e.id)).toEqual(["ollama/a"]);
  });

  it("an unresolved alias is a ConfigError naming its line", () => {
    const msg = configError(yaml("aliases:", "  mana/fast:", "    description: Fast", "    chain: *nope", "default: mana/fast"));
    expect(msg).toMatch(/^aliases\.yaml line 4: /);
    expect(msg).toContain("nope");
  });

  it("a billion-laughs document is a ConfigError naming the line where it blows up", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const msg = configError(yaml(...levels, "aliases:", "  mana/fast: {description: x, chain: [ollama/a]}", "default: mana/fast"));
    expect(msg).toMatch(/^aliases\.yaml line \d+: /);
    expect(msg).toMatch(/expand/);
  });

  it("an alias of its own ancestor is a ConfigError, not a hang", () => {
    const msg = configError(yaml("a: &a [x, *a]", "aliases:", "  mana/fast: {description: x, chain: [ollama/a]}", "default: mana/fast"));
    expect(msg).toMatch(/^aliases\.yaml line 1: /);
  });

  it("YAML nested far too deep is a ConfigError", () => {
    expect(configError(`a: ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`)).toMatch(/^aliases\.yaml/);
  });
});

describe("parseChainEntry", () => {
  it("keeps every slash after the first in the model", () => {
    expect(parseChainEntry("openrouter/openai/gpt-4o-mini")).toEqual({ provider: "openrouter", model: "openai/gpt-4o-mini", id: "openrouter/openai/gpt-4o-mini" });
  });
  it("refuses entries without both parts", () => {
    for (const raw of ["", "ollama", "ollama/", "/model", "my provider/model"]) expect(parseChainEntry(raw)).toBeUndefined();
  });
});

describe("the shipped aliases.yaml", () => {
  // Parses the real file: a broken aliases.yaml fails `npm test`.
  const config = parseAliasesYaml(shippedYaml);
  const chains = Object.fromEntries([...config.aliases.values()].map((a) => [a.name, a.chain.map((e) => e.id)]));

  it("defines the five task aliases and mana/embed, default mana/fast-text", () => {
    expect(config.defaultAlias).toBe("mana/fast-text");
    expect(Object.keys(chains).sort()).toEqual(["mana/embed", "mana/fast-text", "mana/long-form", "mana/reasoning", "mana/structured", "mana/vision"].sort());
    for (const alias of config.aliases.values()) expect(alias.description.length).toBeGreaterThan(0);
  });

  it("has the agreed chains", () => {
    expect(chains).toEqual({
      "mana/fast-text": ["ollama/qwen2.5:7b", "groq/llama-3.1-8b-instant", "openrouter/anthropic/claude-3-haiku"],
      "mana/long-form": ["ollama/gemma3:12b", "groq/llama-3.3-70b-versatile", "openrouter/anthropic/claude-3.5-haiku"],
      "mana/structured": ["ollama/qwen2.5:7b", "groq/llama-3.1-8b-instant", "openrouter/openai/gpt-4o-mini"],
      "mana/reasoning": ["openrouter/anthropic/claude-3.5-sonnet", "groq/llama-3.3-70b-versatile"],
      "mana/vision": ["ollama/llava:7b", "google/gemini-2.5-flash", "openrouter/openai/gpt-4o"],
      "mana/embed": ["ollama/nomic-embed-text"],
    });
  });

  it("never silently mixes embedding vector spaces", () => {
    expect(config.aliases.get("mana/embed")!.sameVectorSpace).toBe(false);
  });
});
