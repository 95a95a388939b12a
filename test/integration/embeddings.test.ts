import { describe, expect, inject, it } from "vitest";
import { fakeVector } from "../fakes/faults";
import { chainYaml, fakeLog, ownProviders, postWith, tag, tagOf } from "../helpers/http";

const PROVIDERS = "providers:\n";
// Each test uses providers of its own so breaker state never leaks between tests.
const env = (chain: string[], sameSpace = false) => ({
  ALIASES_YAML: chainYaml(chain, PROVIDERS + (tagOf(chain) ? ownProviders(tagOf(chain)!) : "")).replace(
    "description: test chain",
    `description: test chain${sameSpace ? "\n    same_vector_space: true" : ""}`,
  ),
});

interface EmbeddingsBody {
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

describe("embeddings", () => {
  it("answers in the OpenAI shape, one vector per input, in order", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/ok@${t}`]), "/v1/embeddings", { model: "mana/t", input: ["alpha", "beta gamma"] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    const body = await res.json<EmbeddingsBody>();
    expect(body.model).toBe(`groq-${t}/ok@${t}`);
    expect(body.data.map((d) => d.embedding)).toEqual([fakeVector("alpha"), fakeVector("beta gamma")]);
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it("encodes base64 as little-endian float32 when asked", async () => {
    const t = tag();
    const res = await postWith(env([`groq-${t}/ok@${t}`]), "/v1/embeddings", { model: "mana/t", input: "alpha", encoding_format: "base64" });
    const body = await res.json<EmbeddingsBody>();
    const bytes = Uint8Array.from(atob(body.data[0]!.embedding as string), (ch) => ch.charCodeAt(0));
    expect([...new Float32Array(bytes.buffer)]).toEqual([...new Float32Array(fakeVector("alpha"))]);
  });

  it("falls back between entries that name the same model", async () => {
    const t = tag();
    const res = await postWith(env([`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`]), "/v1/embeddings", { model: "mana/t", input: "x" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/ok@${t}`);
    expect(res.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect`);
  });

  it("never substitutes a different model silently", async () => {
    const t = tag();
    const res = await postWith(env([`dead-${t}/ok@${t}`, `groq-${t}/other@${t}`]), "/v1/embeddings", { model: "mana/t", input: "x" });
    expect(res.status).toBe(503);
    const body = await res.json<{ error: { attempts: unknown[] } }>();
    expect(body.error.attempts).toEqual([
      { model: `dead-${t}/ok@${t}`, reason: "connect" },
      { model: `groq-${t}/other@${t}`, reason: "incapable" },
    ]);
    expect(await fakeLog("openaiFakeUrl", t)).toHaveLength(0);
  });

  it("falls back to a different model when the alias vouches for one vector space", async () => {
    const t = tag();
    const res = await postWith(env([`dead-${t}/ok@${t}`, `groq-${t}/other@${t}`], true), "/v1/embeddings", { model: "mana/t", input: "x" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`groq-${t}/other@${t}`);
  });

  it("rejects an empty input list naming the parameter", async () => {
    const res = await postWith(env([`groq/ok`]), "/v1/embeddings", { model: "mana/t", input: [] });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { param: string } }>()).error.param).toBe("input");
  });

  it("is reachable with the fake's URL injected", () => {
    expect(inject("openaiFakeUrl")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
