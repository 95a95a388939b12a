/**
 * Bounds at the door (issue 11, findings 1–3): what a client sends is checked before
 * anything runs — `model` characters and length, JSON nesting depth, list sizes — each
 * a 400 in the envelope naming the parameter, with nothing sent upstream.
 */
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { MAX_JSON_DEPTH, MAX_MESSAGES, MAX_MODEL_LENGTH, MAX_TOOLS } from "../../src/openai/limits";
import { call, chainYaml, fakeLog, ownProviders, postJson, postWith, tag } from "../helpers/http";

const CHAT = "/v1/chat/completions";
const EMBED = "/v1/embeddings";
const hi = [{ role: "user", content: "hi" }];

async function errorOf(res: Response): Promise<ErrorBody> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await res.json<{ error: ErrorBody }>();
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

/** `depth` nested objects, innermost `{}`: {"a":{"a":…}} */
function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
}

describe("model: control characters and length (DESIGN § Errors clients act on)", () => {
  const bodies = (model: string) =>
    [
      ["chat", CHAT, { model, messages: hi }],
      ["chat stream", CHAT, { model, messages: hi, stream: true }],
      ["embeddings", EMBED, { model, input: "hi" }],
    ] as const;

  it.each([
    ["NUL", "\u0000"],
    ["LF", "\n"],
    ["CR LF", "\r\nX-Injected: 1"],
    ["US", "\u001f"],
    ["TAB", "\t"],
    ["DEL", "\u007f"],
  ])("a model with %s → 400 param model, nothing reaches the upstream", async (_label, bad) => {
    const t = tag();
    for (const [what, path, body] of bodies(`groq/ok@${t}${bad}`)) {
      const res = await postJson(path, body);
      expect(res.status, what).toBe(400);
      const error = await errorOf(res);
      expect(error.param).toBe("model");
      expect(error.message).toMatch(/control character/);
    }
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });

  it(`a model longer than ${MAX_MODEL_LENGTH} characters → 400 param model, nothing reaches the upstream`, async () => {
    const t = tag();
    const model = `groq/ok@${t}`;
    for (const [what, path, body] of bodies(model + "x".repeat(MAX_MODEL_LENGTH + 1 - model.length))) {
      const res = await postJson(path, body);
      expect(res.status, what).toBe(400);
      const error = await errorOf(res);
      expect(error.param).toBe("model");
      expect(error.message).toContain(String(MAX_MODEL_LENGTH));
    }
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
  });

  it(`a model of exactly ${MAX_MODEL_LENGTH} characters is accepted`, async () => {
    const res = await postJson(CHAT, { model: `mana/${"x".repeat(MAX_MODEL_LENGTH - 5)}`, messages: hi });
    // An unknown alias: past validation, so 404 from resolution.
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("model_not_found");
  });

  it("a 1 MB model name → 400 in the envelope, not echoed back", async () => {
    const model = `groq/${"m".repeat(1024 * 1024)}`;
    for (const [what, path, body] of bodies(model)) {
      const res = await postJson(path, body);
      expect(res.status, what).toBe(400);
      const error = await errorOf(res);
      expect(error.param).toBe("model");
      expect(error.message.length).toBeLessThan(300);
    }
  });
});

describe(`JSON nesting depth (MAX_JSON_DEPTH = ${MAX_JSON_DEPTH})`, () => {
  const deep = 3_000;
  const raw = (body: string) => call(CHAT, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("a response_format schema nested 3,000 levels → 400 naming it; the providers stay healthy", async () => {
    const t = tag();
    const body = `{"model":"groq/ok@${t}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${nested(deep)}}}}`;
    const res = await raw(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("nesting_too_deep");
    expect(error.param).toMatch(/^response_format\.json_schema\.schema/);
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toEqual([]);
    // The breaker was never charged: a plain request right after still answers.
    const plain = await postJson(CHAT, { model: `groq/ok@${t}`, messages: hi });
    expect(plain.status).toBe(200);
  });

  it("tool parameters nested 3,000 levels → 400 naming tools[0].function.parameters", async () => {
    const tool = `{"type":"function","function":{"name":"f","parameters":${nested(deep)}}}`;
    const res = await raw(`{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"g"}},${tool}]}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toMatch(/^tools\[1\]\.function\.parameters/);
  });

  it("deep arrays of arrays anywhere (200,000 levels, inside and around strings) → 400, no stack overflow", async () => {
    const res = await raw(`{"messages":[{"role":"user","content":"[[{{\\"["}],"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}`);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("nesting_too_deep");
    expect(error.param).toBe("x[0][0][0]");
    const top = await raw("[".repeat(200_000));
    expect(top.status).toBe(400);
    expect((await errorOf(top)).param).toBeNull();
  });

  it("brackets inside strings do not count", async () => {
    const t = tag();
    const res = await postJson(CHAT, { model: `groq/ok@${t}`, messages: [{ role: "user", content: "{[".repeat(5_000) + '\\"' }] });
    expect(res.status).toBe(200);
  });

  it(`nesting of exactly ${MAX_JSON_DEPTH} levels is accepted`, async () => {
    const t = tag();
    // The body object is level 1, response_format 2, json_schema 3, schema 4.
    const body = `{"model":"groq/ok@${t}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${nested(MAX_JSON_DEPTH - 3)}}}}`;
    const res = await raw(body);
    expect(res.status).toBe(200);
    const over = await raw(body.replace('"schema":', '"schema":{"a":') + "}");
    expect(over.status).toBe(400);
  });

  it("embeddings bodies get the same bound", async () => {
    const res = await call(EMBED, { method: "POST", headers: { "content-type": "application/json" }, body: `{"input":"hi","extra":${nested(deep)}}` });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toMatch(/^extra/);
  });
});

describe("list sizes", () => {
  it(`more than ${MAX_MESSAGES} messages → 400 param messages`, async () => {
    const res = await postJson(CHAT, { messages: Array.from({ length: MAX_MESSAGES + 1 }, () => hi[0]) });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.param).toBe("messages");
    expect(error.message).toContain(String(MAX_MESSAGES));
  });

  it(`more than ${MAX_TOOLS} tools → 400 param tools`, async () => {
    const tools = Array.from({ length: MAX_TOOLS + 1 }, (_, i) => ({ type: "function", function: { name: `f${i}` } }));
    const res = await postJson(CHAT, { messages: hi, tools });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("tools");
  });
});

describe("names reach headers percent-encoded (found by the client fuzzer)", () => {
  it("a non-ASCII model id: 200, X-Mana-LLM-Resolved percent-encoded (UTF-8), decodable back", async () => {
    const model = `groq/ok@€ü-${tag()}`;
    for (const stream of [false, true]) {
      const res = await postJson(CHAT, { model, messages: hi, stream });
      expect(res.status, await res.clone().text()).toBe(200);
      const resolved = res.headers.get("x-mana-llm-resolved")!;
      expect(resolved).toMatch(/^groq\/ok@%E2%82%AC%C3%BC-/);
      expect(decodeURIComponent(resolved)).toBe(model);
      await res.text();
    }
  });

  it("X-Mana-LLM-Attempts stays a parseable list: `,`, `=` and non-ASCII in an entry are encoded", async () => {
    const t = tag();
    const failing = `groq-${t}/status:404@ä, x=y-${t}`;
    const res = await postWith({ ALIASES_YAML: chainYaml([failing, `groq-${t}/ok@${t}`], `providers:\n${ownProviders(t)}`) }, CHAT, { model: "mana/t", messages: hi });
    expect(res.status, await res.clone().text()).toBe(200);
    const attempts = res.headers.get("x-mana-llm-attempts")!;
    expect(attempts).toBe(`groq-${t}/status:404@%C3%A4%2C%20x%3Dy-${t}=model-not-found`);
    expect(
      attempts
        .split(", ")
        .map((a) => decodeURIComponent(a.slice(0, a.lastIndexOf("="))))
        .join(),
    ).toBe(failing);
  });
});
