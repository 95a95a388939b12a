/**
 * PUT / DELETE /v1/aliases through the Worker (DESIGN.md § HTTP contract): the runtime
 * override in the ConfigStore, what every route then serves, and what happens when the
 * store is unwell. Every test here shares the one ConfigStore: beforeEach deletes the override.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import shippedYaml from "../../aliases.yaml";
import worker from "../../src/index";
import { parseAliasesYaml } from "../../src/config/aliases";
import { CONFIG_STORE_NAME, type ConfigStore } from "../../src/config/config-store";
import { forgetConfigView } from "../../src/config/override-view";
import { loadSettings } from "../../src/config/settings";
import { envVars } from "../../src/lib/env";
import { sweepProviders } from "../../src/health/sweep";
import type { ErrorBody } from "../../src/openai/errors";
import type { ModelInfo } from "../../src/openai/responses";
import { ADMIN_KEY, KEY, call, callWith, fakeLog, tag } from "../helpers/http";
import { captureLogs } from "../helpers/logs";

const shipped = parseAliasesYaml(shippedYaml);
const fake = inject("openaiFakeUrl");

interface AliasesBody {
  version: string;
  source: string;
  updated_at: string | null;
  default: string;
  aliases: { name: string; description: string; chain: string[] }[];
}

/** One alias `mana/t` (the default) over `chain`, plus a provider of this test's own on the fake. */
function overrideYaml(t: string, chain: string[]): string {
  return [
    "aliases:",
    "  mana/t:",
    `    description: "override ${t}"`,
    `    chain: [${chain.join(", ")}]`,
    "default: mana/t",
    "providers:",
    `  extra-${t}: {kind: openai, base_url: "${fake}/together/v1", api_key_env: TOGETHER_API_KEY}`,
    "",
  ].join("\n");
}

const put = (yaml: string, init: { key?: string | null; type?: string } = {}) =>
  call("/v1/aliases", { method: "PUT", key: init.key === undefined ? ADMIN_KEY : init.key, headers: { "content-type": init.type ?? "application/yaml" }, body: yaml });
const del = (key: string | null = ADMIN_KEY) => call("/v1/aliases", { method: "DELETE", key });
const getAliases = async () => (await call("/v1/aliases")).json<AliasesBody>();
const chat = (model: string, key = KEY) =>
  call("/v1/chat/completions", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });

async function errorOf(res: Response): Promise<ErrorBody> {
  return (await res.json<{ error: ErrorBody }>()).error;
}

/** The Worker with its CONFIG_STORE replaced by one that never works. */
async function withBrokenStore(mode: "throw" | "hang", path: string, vars: Record<string, string> = {}): Promise<Response> {
  const broken = {
    getByName: () => ({
      get: () => (mode === "throw" ? Promise.reject(new Error("Durable Object reset")) : new Promise(() => {})),
      put: () => Promise.reject(new Error("Durable Object reset")),
      delete: () => Promise.reject(new Error("Durable Object reset")),
    }),
  };
  const req = new Request(`http://router.test${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...vars, CONFIG_STORE: broken } as unknown as Env, createExecutionContext());
}

beforeEach(async () => {
  expect((await del()).status).toBe(200);
});

describe("PUT /v1/aliases", () => {
  it("an admin key stores the override: the answer, GET /v1/aliases, /v1/models and routing all use it at once", async () => {
    const t = tag();
    const before = Date.now();
    const res = await put(overrideYaml(t, [`groq/ok@${t}`]));
    expect(res.status).toBe(200);
    const body = await res.json<AliasesBody>();
    expect(body).toEqual({
      version: expect.stringMatching(/^override-\d+$/),
      source: "override",
      updated_at: expect.any(String),
      default: "mana/t",
      aliases: [{ name: "mana/t", description: `override ${t}`, chain: [`groq/ok@${t}`] }],
    });
    expect(Date.parse(body.updated_at!)).toBeGreaterThanOrEqual(before - 1000);

    expect(await getAliases()).toEqual(body);
    const models = await (await call("/v1/models")).json<{ data: ModelInfo[] }>();
    expect(models.data.filter((m) => m.owned_by === "mana-llm").map((m) => m.id)).toEqual(["mana/t"]);
    expect((await call("/v1/models/mana/fast-text")).status).toBe(404);

    const answer = await chat("mana/t");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    // No model at all → the override's default alias.
    const byDefault = await call("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
    expect(byDefault.headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
  });

  it("a provider declared in the override is routed to and probed", async () => {
    const t = tag();
    expect((await put(overrideYaml(t, [`extra-${t}/ok@${t}`, `groq/ok@${t}`]))).status).toBe(200);
    const res = await chat("mana/t");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-mana-llm-resolved")).toBe(`extra-${t}/ok@${t}`);
    const seen = await fakeLog("openaiFakeUrl", `ok@${t}`);
    expect(seen.map((e) => `${e.provider}:${e.model}`)).toEqual([`together:ok@${t}`]);

    const outcomes = await sweepProviders(env, loadSettings(envVars(env)));
    expect(outcomes.find((o) => o.provider === `extra-${t}`)).toMatchObject({ outcome: "alive" });
  });

  it("a second PUT bumps the version and replaces the config", async () => {
    const t = tag();
    const first = await (await put(overrideYaml(t, [`groq/ok@${t}`]))).json<AliasesBody>();
    const second = await (await put(overrideYaml(t, [`openrouter/ok@${t}`]))).json<AliasesBody>();
    const n = (v: string) => Number(v.replace("override-", ""));
    expect(n(second.version)).toBe(n(first.version) + 1);
    expect((await getAliases()).version).toBe(second.version);
    expect((await chat("mana/t")).headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
  });

  it.each([
    ["invalid YAML", (y: string) => y.replace("chain: [", "chain: [[["), /^aliases\.yaml line \d+: invalid YAML/],
    ["an unknown provider kind", (y: string) => y.replace("kind: openai", "kind: llama"), /^aliases\.yaml line 7: providers\.extra-[0-9a-f]+\.kind: kind must be one of openai, ollama, gemini$/],
    [
      "a bad alias name",
      (y: string) => y.replace("  mana/t:", "  mana/t/x:").replace("default: mana/t", "default: mana/t/x"),
      /^aliases\.yaml line 2: alias "mana\/t\/x": names must be mana\/<one segment>/,
    ],
    ["an unknown provider in a chain", (y: string) => y.replace("chain: [", "chain: [nope/model, "), /^aliases\.yaml line 4: alias "mana\/t" chain\[0\]: unknown provider "nope"/],
    ["a default that is not an alias", (y: string) => y.replace("default: mana/t", "default: mana/none"), /^aliases\.yaml line 5: default "mana\/none" is not a defined alias/],
  ])("%s → 400 with the parser's located message, and the previous config stays", async (_label, breakIt, message) => {
    const t = tag();
    const good = await (await put(overrideYaml(t, [`groq/ok@${t}`]))).json<AliasesBody>();
    const res = await put(breakIt(overrideYaml(t, [`groq/ok@${t}`])));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_aliases" });
    expect(error.message).toMatch(message);
    expect(await getAliases()).toEqual(good);
    const stored = await env.CONFIG_STORE.getByName(CONFIG_STORE_NAME).get();
    expect(`override-${stored.version}`).toBe(good.version);
  });

  it("an empty body → 400, nothing stored", async () => {
    const res = await put("  \n");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/empty/);
    expect((await getAliases()).source).toBe("bundled");
  });

  it.each(["application/yaml", "application/x-yaml", "text/yaml", "text/yaml; charset=utf-8"])("accepts Content-Type %s", async (type) => {
    const t = tag();
    expect((await put(overrideYaml(t, [`groq/ok@${t}`]), { type })).status).toBe(200);
  });

  it.each(["application/json", "text/plain", ""])("refuses Content-Type %j, naming the expected types", async (type) => {
    const t = tag();
    const res = await call("/v1/aliases", { method: "PUT", key: ADMIN_KEY, headers: type ? { "content-type": type } : {}, body: overrideYaml(t, [`groq/ok@${t}`]) });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_content_type");
    expect(error.message).toContain("application/yaml, application/x-yaml, text/yaml");
    expect((await getAliases()).source).toBe("bundled");
  });

  it("YAML anchors: a &base shared by 150 aliases is stored; *nope and billion laughs → 400 naming the line, the config unchanged", async () => {
    const t = tag();
    const shared = [
      "base: &base",
      `  description: "shared ${t}"`,
      `  chain: [groq/ok@${t}]`,
      "aliases:",
      ...Array.from({ length: 150 }, (_, i) => `  mana/s${i}: *base`),
      "default: mana/s149",
      "",
    ].join("\n");
    const ok = await put(shared);
    expect(ok.status).toBe(200);
    expect((await ok.json<AliasesBody>()).aliases).toHaveLength(150);
    expect((await chat("mana/s77")).headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    const version = (await getAliases()).version;

    const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${"abcdefghi"[i]}: &${"abcdefghi"[i]} [${Array(9)
          .fill(`*${"abcdefghi"[i - 1]}`)
          .join(", ")}]`,
      );
    for (const [what, yaml] of [
      ["unresolved", shared.replace("mana/s3: *base", "mana/s3: *nope")],
      ["billion laughs", [...laughs, shared].join("\n")],
    ]) {
      const res = await put(yaml!);
      expect(res.status, what).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_aliases");
      expect(error.message).toMatch(/line \d+/);
    }
    expect((await getAliases()).version).toBe(version);
  });

  it("a body over MAX_BODY_BYTES → 413", async () => {
    const t = tag();
    const res = await callWith({ MAX_BODY_BYTES: "64" }, "/v1/aliases", {
      method: "PUT",
      key: ADMIN_KEY,
      headers: { "content-type": "application/yaml" },
      body: overrideYaml(t, [`groq/ok@${t}`]),
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toContain("64-byte limit (MAX_BODY_BYTES)");
    expect((await getAliases()).source).toBe("bundled");
  });

  it("a normal key → 403 (for DELETE too), no key → 401, and nothing changes", async () => {
    const t = tag();
    const forbidden = await put(overrideYaml(t, [`groq/ok@${t}`]), { key: KEY });
    expect(forbidden.status).toBe(403);
    expect(await errorOf(forbidden)).toMatchObject({ type: "permission_error", code: "admin_key_required" });
    expect((await put(overrideYaml(t, [`groq/ok@${t}`]), { key: null })).status).toBe(401);
    expect((await put(overrideYaml(t, [`groq/ok@${t}`]), { key: "wrong-key" })).status).toBe(401);
    expect((await getAliases()).source).toBe("bundled");

    expect((await put(overrideYaml(t, [`groq/ok@${t}`]))).status).toBe(200);
    expect((await del(KEY)).status).toBe(403);
    expect((await del(null)).status).toBe(401);
    expect((await getAliases()).source).toBe("override");
  });

  it("the admin key also works as a normal key", async () => {
    const t = tag();
    await put(overrideYaml(t, [`groq/ok@${t}`]));
    expect((await call("/v1/aliases", { key: ADMIN_KEY })).status).toBe(200);
    expect((await chat("mana/t", ADMIN_KEY)).headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
  });

  it("the override wins over ALIASES_YAML", async () => {
    const t = tag();
    const vars = { ALIASES_YAML: "aliases:\n  mana/env:\n    description: env\n    chain: [groq/ok]\ndefault: mana/env\n" };
    expect((await (await callWith(vars, "/v1/aliases")).json<AliasesBody>()).source).toBe("env");
    await put(overrideYaml(t, [`groq/ok@${t}`]));
    expect(await (await callWith(vars, "/v1/aliases")).json<AliasesBody>()).toMatchObject({ source: "override", default: "mana/t" });
  });

  it("a store that fails the write → 503, and the config in force is unchanged", async () => {
    const t = tag();
    const broken = { getByName: () => ({ get: () => Promise.reject(new Error("down")), put: () => Promise.reject(new Error("down")) }) };
    const req = new Request("http://router.test/v1/aliases", {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/yaml" },
      body: overrideYaml(t, [`groq/ok@${t}`]),
    });
    let res: Response | undefined;
    await captureLogs(async () => {
      res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, CONFIG_STORE: broken } as unknown as Env, createExecutionContext());
    });
    expect(res!.status).toBe(503);
    expect((await errorOf(res!)).code).toBe("config_store_unavailable");
    expect((await getAliases()).source).toBe("bundled");
  });
});

describe("DELETE /v1/aliases", () => {
  it("drops the override and answers the bundled config, which every route serves again", async () => {
    const t = tag();
    await put(overrideYaml(t, [`groq/ok@${t}`]));
    const res = await del();
    expect(res.status).toBe(200);
    const body = await res.json<AliasesBody>();
    expect(body).toMatchObject({ version: shipped.version, source: "bundled", updated_at: null, default: shipped.defaultAlias });
    expect(body.aliases.map((a) => a.name)).toEqual([...shipped.aliases.keys()]);
    expect(await getAliases()).toEqual(body);
    expect((await call("/v1/models/mana/fast-text")).status).toBe(200);
    expect((await call("/v1/models/mana/t")).status).toBe(404);
    // Deleting again changes nothing.
    expect(await (await del()).json<AliasesBody>()).toEqual(body);
  });

  it("with ALIASES_YAML set, answers that config", async () => {
    const vars = { ALIASES_YAML: "aliases:\n  mana/env:\n    description: env\n    chain: [groq/ok]\ndefault: mana/env\n" };
    const res = await callWith(vars, "/v1/aliases", { method: "DELETE", key: ADMIN_KEY });
    expect(await res.json<AliasesBody>()).toMatchObject({ source: "env", default: "mana/env" });
  });
});

describe("durability and a store in trouble", () => {
  it("the override survives the store's eviction (read back from SQLite by a fresh isolate view)", async () => {
    const t = tag();
    const stored = await (await put(overrideYaml(t, [`groq/ok@${t}`]))).json<AliasesBody>();
    const stub = env.CONFIG_STORE.getByName(CONFIG_STORE_NAME);
    const before = await runInDurableObject(stub, (instance: ConfigStore) => instance);
    await evictDurableObject(stub);
    forgetConfigView(env.CONFIG_STORE);
    expect(await getAliases()).toEqual(stored);
    expect(await runInDurableObject(env.CONFIG_STORE.getByName(CONFIG_STORE_NAME), (instance: ConfigStore) => instance)).not.toBe(before);
    expect((await chat("mana/t")).headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
  });

  it.each(["throw", "hang"] as const)("a store that %ss: requests are served from the bundled config, and logged", async (mode) => {
    let res: Response | undefined;
    const lines = await captureLogs(async () => {
      res = await withBrokenStore(mode, "/v1/aliases");
    });
    expect(res!.status).toBe(200);
    expect(await res!.json<AliasesBody>()).toMatchObject({ source: "bundled", version: shipped.version });
    expect(lines.some((l) => l.event === "config.unreachable" && l.fallback === shipped.version)).toBe(true);
  });

  it("a store that throws with ALIASES_YAML set: that config serves", async () => {
    const vars = { ALIASES_YAML: "aliases:\n  mana/env:\n    description: env\n    chain: [groq/ok]\ndefault: mana/env\n" };
    let res: Response | undefined;
    await captureLogs(async () => {
      res = await withBrokenStore("throw", "/v1/models", vars);
    });
    const models = await res!.json<{ data: ModelInfo[] }>();
    expect(models.data.filter((m) => m.owned_by === "mana-llm").map((m) => m.id)).toEqual(["mana/env"]);
  });
});
