import { describe, expect, it } from "vitest";
import shippedYaml from "../../aliases.yaml";
import { parseAliasesYaml } from "../../src/config/aliases";
import type { ErrorBody } from "../../src/openai/errors";
import type { ModelInfo } from "../../src/openai/responses";
import { call, callWith } from "../helpers/http";

// The Worker serves the bundled file; the expectations come from the same text.
const shipped = parseAliasesYaml(shippedYaml);
const aliasNames = [...shipped.aliases.keys()];

interface AliasesBody {
  version: string;
  source: string;
  updated_at: string | null;
  default: string;
  aliases: { name: string; description: string; chain: string[]; same_vector_space?: boolean }[];
}

describe("GET /v1/aliases", () => {
  it("answers {version, source, default, aliases:[{name, description, chain}]}", async () => {
    const res = await call("/v1/aliases");
    expect(res.status).toBe(200);
    const body = await res.json<AliasesBody>();
    expect(body.version).toBe(shipped.version);
    expect(body.version).toMatch(/^bundled-[0-9a-f]{8}$/);
    expect(body.source).toBe("bundled");
    expect(body.updated_at).toBeNull();
    expect(body.default).toBe("mana/fast-text");
    expect(body.aliases.map((a) => a.name)).toEqual(aliasNames);
    const fast = body.aliases.find((a) => a.name === "mana/fast-text")!;
    expect(fast).toEqual({
      name: "mana/fast-text",
      description: "Short answers, classification, single-shot Q&A",
      chain: ["ollama/qwen2.5:7b", "groq/llama-3.1-8b-instant", "openrouter/anthropic/claude-3-haiku"],
    });
    for (const a of body.aliases) {
      expect(typeof a.description).toBe("string");
      expect(a.chain.length).toBeGreaterThan(0);
      for (const entry of a.chain) expect(entry).toMatch(/^[a-z0-9_-]+\/.+/);
    }
  });
});

describe("GET /v1/models", () => {
  it("lists every alias as an OpenAI model owned by mana-llm", async () => {
    const res = await call("/v1/models");
    expect(res.status).toBe(200);
    const body = await res.json<{ object: string; data: ModelInfo[] }>();
    expect(body.object).toBe("list");
    expect(body.data.slice(0, aliasNames.length).map((m) => m.id)).toEqual(aliasNames);
    for (const m of body.data.slice(0, aliasNames.length)) {
      expect(m.object).toBe("model");
      expect(m.owned_by).toBe("mana-llm");
      expect(typeof m.created).toBe("number");
    }
  });

  it("lists each configured provider's own models after the aliases", async () => {
    const res = await call("/v1/models");
    const ids = (await res.json<{ data: ModelInfo[] }>()).data.map((m) => m.id);
    // The fake OpenAI-compatible upstream lists one model, "ok", for each provider prefix.
    for (const p of ["groq", "openrouter", "together", "openai"]) expect(ids).toContain(`${p}/ok`);
    expect(ids.some((id) => id.startsWith("ollama/"))).toBe(true);
    expect(ids.some((id) => id.startsWith("google/"))).toBe(true);
  });

  it("leaves out a provider that does not answer, still listing the rest", async () => {
    const res = await callWith({ TOGETHER_BASE_URL: "http://127.0.0.1:1/v1" }, "/v1/models");
    expect(res.status).toBe(200);
    const ids = (await res.json<{ data: ModelInfo[] }>()).data.map((m) => m.id);
    expect(ids.some((id) => id.startsWith("together/"))).toBe(false);
    expect(ids).toContain("groq/ok");
  });

  it("leaves out a provider without a key", async () => {
    const res = await callWith({ OPENAI_API_KEY: "" }, "/v1/models");
    const ids = (await res.json<{ data: ModelInfo[] }>()).data.map((m) => m.id);
    expect(ids.some((id) => id.startsWith("openai/"))).toBe(false);
  });
});

describe("GET /v1/models/{id}", () => {
  it.each(["/v1/models/mana/fast-text", "/v1/models/mana%2Ffast-text", "/v1/models/mana%2ffast-text"])("%s finds the alias", async (path) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(await res.json<ModelInfo>()).toMatchObject({ id: "mana/fast-text", object: "model", owned_by: "mana-llm" });
  });

  it("finds every alias", async () => {
    for (const name of aliasNames) {
      const res = await call(`/v1/models/${encodeURIComponent(name)}`);
      expect(res.status, name).toBe(200);
      expect((await res.json<ModelInfo>()).id).toBe(name);
    }
  });

  it("finds a provider's own model, raw or percent-encoded", async () => {
    for (const path of ["/v1/models/groq/ok", "/v1/models/groq%2Fok"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(await res.json<ModelInfo>()).toMatchObject({ id: "groq/ok", object: "model", owned_by: "groq" });
    }
    expect((await call("/v1/models/groq/not-listed")).status).toBe(404);
  });

  it.each([
    ["an unknown alias", "/v1/models/mana/nope", "mana/nope"],
    ["an alias with an extra segment", "/v1/models/mana/fast-text/extra", "mana/fast-text/extra"],
    ["a percent sign in the id", "/v1/models/mana%25fast", "mana%fast"],
    ["a malformed escape", "/v1/models/mana%E0%A4%A", null],
  ])("%s → 404 in the error envelope", async (_label, path, id) => {
    const res = await call(path);
    expect(res.status).toBe(404);
    const body = await res.json<{ error: ErrorBody }>();
    expect(body.error.type).toBe("not_found_error");
    expect(body.error.code).toBe("model_not_found");
    expect(body.error.param).toBe("model");
    if (id) expect(body.error.message).toContain(`'${id}'`);
  });
});

describe("ALIASES_YAML (a config change without a rebuild)", () => {
  const yaml = "aliases:\n  mana/only:\n    description: Only one\n    chain: [groq/llama-3.1-8b-instant]\ndefault: mana/only\n";

  it("replaces the bundled aliases everywhere, and says so in source and version", async () => {
    const aliases = await (await callWith({ ALIASES_YAML: yaml }, "/v1/aliases")).json<AliasesBody>();
    expect(aliases.source).toBe("env");
    expect(aliases.version).toMatch(/^env-[0-9a-f]{8}$/);
    expect(aliases.default).toBe("mana/only");
    expect(aliases.aliases).toEqual([{ name: "mana/only", description: "Only one", chain: ["groq/llama-3.1-8b-instant"] }]);
    const models = await (await callWith({ ALIASES_YAML: yaml }, "/v1/models")).json<{ data: ModelInfo[] }>();
    expect(models.data.filter((m) => m.owned_by === "mana-llm").map((m) => m.id)).toEqual(["mana/only"]);
    expect((await callWith({ ALIASES_YAML: yaml }, "/v1/models/mana/fast-text")).status).toBe(404);
  });

  it("a broken ALIASES_YAML → 500 naming the alias, the index and the line", async () => {
    const broken = yaml.replace("[groq/llama-3.1-8b-instant]", "[groq/llama-3.1-8b-instant, nope/model]");
    const res = await callWith({ ALIASES_YAML: broken }, "/v1/models");
    expect(res.status).toBe(500);
    const body = await res.json<{ error: ErrorBody }>();
    expect(body.error.code).toBe("invalid_configuration");
    expect(body.error.message).toContain('alias "mana/only" chain[1]: unknown provider "nope"');
    expect(body.error.message).toContain("line 4");
  });
});
