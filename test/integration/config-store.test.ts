/**
 * The ConfigStore Durable Object over RPC, and the isolate view that keeps it off the
 * request path (clock passed in). Each test uses its own store instance: storage is
 * shared by every test in this file. Last, the runtime resolved from env and the store.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/aliases";
import { bundledConfig } from "../../src/config/bundled";
import { MAX_OVERRIDE_BYTES, type ConfigStore, type OverrideRecord } from "../../src/config/config-store";
import { CONFIG_CACHE_MS, CONFIG_DEADLINE_MS, currentConfig, rememberOverride } from "../../src/config/override-view";
import { baseConfig, resolveRuntime, runtimeSettings } from "../../src/config/runtime";
import { captureLogs } from "../helpers/logs";
import { tag } from "../helpers/http";

const T0 = 1_700_000_000_000;
const fresh = () => env.CONFIG_STORE.getByName(`cs-${tag()}`);

/** A valid aliases.yaml whose only alias (the default) is `mana/<name>`. */
const yamlFor = (name: string, chain = "groq/ok") => `aliases:\n  mana/${name}:\n    description: "${name}"\n    chain: [${chain}]\ndefault: mana/${name}\n`;

describe("ConfigStore Durable Object", () => {
  it("starts empty: version 0, no text", async () => {
    expect(await fresh().get()).toEqual({ version: 0, text: null, updatedAt: null });
  });

  it("stores a valid override with version 1 and the caller's clock; each put bumps the version", async () => {
    const stub = fresh();
    expect(await stub.put(yamlFor("a"), T0)).toEqual({ ok: true, record: { version: 1, text: yamlFor("a"), updatedAt: T0 } });
    expect(await stub.get()).toEqual({ version: 1, text: yamlFor("a"), updatedAt: T0 });
    expect(await stub.put(yamlFor("b"), T0 + 5)).toMatchObject({ ok: true, record: { version: 2, updatedAt: T0 + 5 } });
    expect((await stub.get()).text).toBe(yamlFor("b"));
  });

  it.each([
    ["broken YAML", "aliases:\n  mana/a: {description: x, chain: [groq/ok]\ndefault: mana/a\n", /^aliases\.yaml line \d+: invalid YAML/],
    [
      "an unknown provider kind",
      `${yamlFor("a")}providers:\n  lm: {kind: llama, base_url: "http://127.0.0.1:1/v1", api_key_env: LM_KEY}\n`,
      /line 7: providers\.lm\.kind: kind must be one of openai, ollama, gemini/,
    ],
    ["a bad alias name", yamlFor("a").replace("mana/a:", "fast:"), /line 2: alias "fast": names must be mana\/<one segment>/],
    ["an unknown provider in a chain", yamlFor("a", "groq/ok, nope/m"), /line 4: alias "mana\/a" chain\[1\]: unknown provider "nope"/],
  ])("refuses %s with the parser's located message and stores nothing", async (_label, text, message) => {
    const stub = fresh();
    await stub.put(yamlFor("kept"), T0);
    const result = await stub.put(text, T0 + 1);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
    expect(await stub.get()).toEqual({ version: 1, text: yamlFor("kept"), updatedAt: T0 });
  });

  it("refuses a text over the stored size limit", async () => {
    const stub = fresh();
    const huge = `${yamlFor("a")}# ${"x".repeat(MAX_OVERRIDE_BYTES)}\n`;
    expect(await stub.put(huge, T0)).toEqual({ ok: false, reason: "invalid", error: expect.stringContaining(`at most ${MAX_OVERRIDE_BYTES}`) });
    expect((await stub.get()).version).toBe(0);
  });

  it("delete drops the text and bumps the version; a second delete changes nothing; versions are never reused", async () => {
    const stub = fresh();
    expect(await stub.delete(T0)).toEqual({ version: 0, text: null, updatedAt: null });
    await stub.put(yamlFor("a"), T0);
    expect(await stub.delete(T0 + 1)).toEqual({ version: 2, text: null, updatedAt: T0 + 1 });
    expect(await stub.delete(T0 + 2)).toEqual({ version: 2, text: null, updatedAt: T0 + 1 });
    expect(await stub.put(yamlFor("b"), T0 + 3)).toMatchObject({ record: { version: 3 } });
  });

  it("keeps the override in SQLite: it survives eviction", async () => {
    const name = `cs-${tag()}`;
    const stub = env.CONFIG_STORE.getByName(name);
    await stub.put(yamlFor("durable"), T0);
    const rows = await runInDurableObject(stub, (_i: ConfigStore, state) => state.storage.sql.exec<{ version: number }>("SELECT version FROM override").toArray());
    expect(rows).toEqual([{ version: 1 }]);
    const before = await runInDurableObject(stub, (instance: ConfigStore) => instance);
    await evictDurableObject(stub);
    const again = env.CONFIG_STORE.getByName(name);
    expect(await runInDurableObject(again, (instance: ConfigStore) => instance)).not.toBe(before);
    expect(await again.get()).toEqual({ version: 1, text: yamlFor("durable"), updatedAt: T0 });
  });
});

type Mode = "real" | "throw" | "hang";

/** A namespace in front of one fresh store that counts get() calls and can misbehave. */
function instrumentedStore() {
  const real = fresh();
  const state = { mode: "real" as Mode, gets: 0, held: [] as Array<() => void> };
  const ns = {
    getByName: () => ({
      get: async (): Promise<OverrideRecord> => {
        state.gets++;
        if (state.mode === "throw") throw new Error("Durable Object reset");
        if (state.mode === "hang") return new Promise(() => {});
        return real.get();
      },
    }),
  } as unknown as Env["CONFIG_STORE"];
  const background: Promise<unknown>[] = [];
  const lookup = (now: number) => ({ now, waitUntil: (p: Promise<unknown>) => void background.push(p) });
  return { real, state, ns, lookup, settle: () => Promise.all(background) };
}

describe("override view (isolate cache)", () => {
  const base = bundledConfig();

  it("asks the store once per cache period and re-parses only when the version changes", async () => {
    const { real, state, ns, lookup } = instrumentedStore();
    await real.put(yamlFor("one"), T0);
    const first = await currentConfig(ns, base, lookup(T0));
    expect(first).toMatchObject({ source: "override", version: "override-1", defaultAlias: "mana/one", updatedAt: new Date(T0).toISOString() });
    for (let i = 0; i < 10; i++) expect(await currentConfig(ns, base, lookup(T0 + CONFIG_CACHE_MS - 1))).toBe(first);
    expect(state.gets).toBe(1);
    // Expired, same version: asked again, the parsed config kept as is.
    expect(await currentConfig(ns, base, lookup(T0 + CONFIG_CACHE_MS))).toBe(first);
    expect(state.gets).toBe(2);
    await real.put(yamlFor("two"), T0 + 1);
    expect(await currentConfig(ns, base, lookup(T0 + 2 * CONFIG_CACHE_MS))).toMatchObject({ version: "override-2", defaultAlias: "mana/two" });
  });

  it("with no override, or after a delete, the base config applies", async () => {
    const { real, ns, lookup } = instrumentedStore();
    expect(await currentConfig(ns, base, lookup(T0))).toBe(base);
    await real.put(yamlFor("one"), T0);
    expect((await currentConfig(ns, base, lookup(T0 + CONFIG_CACHE_MS))).source).toBe("override");
    await real.delete(T0);
    expect(await currentConfig(ns, base, lookup(T0 + 2 * CONFIG_CACHE_MS))).toBe(base);
  });

  it("concurrent requests share one refresh", async () => {
    const { state, ns, lookup } = instrumentedStore();
    await Promise.all(Array.from({ length: 8 }, () => currentConfig(ns, base, lookup(T0))));
    expect(state.gets).toBe(1);
  });

  it("a write this isolate made is visible at once, even while the cache is fresh", async () => {
    const { real, state, ns, lookup } = instrumentedStore();
    expect(await currentConfig(ns, base, lookup(T0))).toBe(base);
    const put = await real.put(yamlFor("mine"), T0 + 1);
    if (!put.ok) throw new Error(put.error);
    expect(rememberOverride(ns, put.record, T0 + 1)).toMatchObject({ version: "override-1", defaultAlias: "mana/mine" });
    state.mode = "throw";
    expect(await currentConfig(ns, base, lookup(T0 + 2))).toMatchObject({ version: "override-1" });
    rememberOverride(ns, await real.delete(T0 + 3), T0 + 3);
    expect(await currentConfig(ns, base, lookup(T0 + 4))).toBe(base);
    expect(state.gets).toBe(1);
  });

  it("an older answer never replaces a newer write", async () => {
    const { real, ns, lookup } = instrumentedStore();
    await real.put(yamlFor("old"), T0);
    const put = await real.put(yamlFor("new"), T0 + 1);
    if (!put.ok) throw new Error(put.error);
    rememberOverride(ns, put.record, T0 + 1);
    // A reply carrying version 1 (issued before the write) arrives late.
    rememberOverride(ns, { version: 1, text: yamlFor("old"), updatedAt: T0 }, T0);
    expect(await currentConfig(ns, base, lookup(T0 + 2))).toMatchObject({ version: "override-2", defaultAlias: "mana/new" });
  });

  it("a store that throws: the last known override keeps serving, and the log says so", async () => {
    const { real, state, ns, lookup } = instrumentedStore();
    await real.put(yamlFor("known"), T0);
    expect((await currentConfig(ns, base, lookup(T0))).version).toBe("override-1");
    state.mode = "throw";
    let config: unknown;
    const lines = await captureLogs(async () => {
      config = await currentConfig(ns, base, lookup(T0 + CONFIG_CACHE_MS));
    });
    expect(config).toMatchObject({ version: "override-1", defaultAlias: "mana/known" });
    expect(lines.filter((l) => l.event === "config.unreachable")).toEqual([expect.objectContaining({ level: "warn", fallback: "override-1", error: "Durable Object reset" })]);
  });

  it("a store that throws with nothing known: the base config serves, one attempt per cache period", async () => {
    const { state, ns, lookup } = instrumentedStore();
    state.mode = "throw";
    const lines = await captureLogs(async () => {
      expect(await currentConfig(ns, base, lookup(T0))).toBe(base);
      expect(await currentConfig(ns, base, lookup(T0 + CONFIG_CACHE_MS - 1))).toBe(base);
    });
    expect(state.gets).toBe(1);
    expect(lines.filter((l) => l.event === "config.unreachable")).toEqual([expect.objectContaining({ fallback: base.version })]);
  });

  it("a store that does not answer: the request goes on after the deadline with what the isolate knows", async () => {
    const { state, ns, lookup } = instrumentedStore();
    state.mode = "hang";
    const started = Date.now();
    const lines = await captureLogs(async () => {
      expect(await currentConfig(ns, base, lookup(T0))).toBe(base);
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIG_DEADLINE_MS - 5);
    expect(lines.some((l) => l.event === "config.unreachable" && String(l.error).includes(`${CONFIG_DEADLINE_MS} ms`))).toBe(true);
  });

  it("a stored text this parser no longer accepts is logged and skipped, not fatal", async () => {
    const { real, ns, lookup } = instrumentedStore();
    // Written behind the store's validation, as an older deploy with looser rules might have.
    await real.get();
    await runInDurableObject(real, (_i: ConfigStore, s) => {
      s.storage.sql.exec("INSERT INTO override (id, text, version, updated_at) VALUES (1, ?, 7, ?)", "aliases: [not, a, mapping]\n", T0);
    });
    let config: unknown;
    const lines = await captureLogs(async () => {
      config = await currentConfig(ns, base, lookup(T0));
    });
    expect(config).toBe(base);
    expect(lines.filter((l) => l.event === "config.override_invalid")).toEqual([expect.objectContaining({ level: "error", version: 7 })]);
  });
});

describe("resolveRuntime (settings, config and providers in one place)", () => {
  const background: Promise<unknown>[] = [];
  const lookup = { now: T0, waitUntil: (p: Promise<unknown>) => void background.push(p) };
  const withVars = (vars: Record<string, string>) => ({ ...env, ...vars }) as Env;

  it("builds what depends on env alone once per env object, and again for another env", async () => {
    const e = withVars({ BREAKER_BACKOFF_S: "90" });
    const first = await resolveRuntime(e, lookup);
    const second = await resolveRuntime(e, { ...lookup, now: T0 + 1 });
    expect(first.settings.breakerBackoffS).toBe(90);
    expect(second.settings).toBe(first.settings);
    expect(second.providers).toBe(first.providers);
    expect(runtimeSettings(e)).toBe(first.settings);

    const other = await resolveRuntime(withVars({ BREAKER_BACKOFF_S: "120", GROQ_BASE_URL: "http://127.0.0.1:9/v1" }), lookup);
    expect(other.settings.breakerBackoffS).toBe(120);
    expect(other.providers.get("groq")!.baseUrl).toBe("http://127.0.0.1:9/v1");
    await Promise.all(background);
  });

  it("the config precedence: ALIASES_YAML over the bundled file, its providers added to the built-ins", async () => {
    const bundled = await resolveRuntime(env, lookup);
    expect(bundled.config).toBe(bundledConfig());
    const yaml = `${yamlFor("rt", "lm/x")}providers:\n  lm: {kind: openai, base_url: "http://127.0.0.1:1234/v1", api_key_env: LM_KEY}\n`;
    const e = withVars({ ALIASES_YAML: yaml, LM_KEY: "lm-key" });
    const fromEnv = await resolveRuntime(e, lookup);
    expect(fromEnv.config).toMatchObject({ source: "env", defaultAlias: "mana/rt" });
    expect(baseConfig(e)).toBe(fromEnv.config);
    expect(fromEnv.providers.get("lm")).toMatchObject({ kind: "openai", apiKey: "lm-key", configured: true });
    expect(fromEnv.providers.get("groq")).toEqual(bundled.providers.get("groq"));
    await Promise.all(background);
  });

  it("an invalid value fails every time it is asked for, never once and then silently", async () => {
    const bad = withVars({ PROBE_TIMEOUT_MS: "soon" });
    for (let i = 0; i < 2; i++) await expect(resolveRuntime(bad, lookup)).rejects.toThrow(/PROBE_TIMEOUT_MS="soon"/);
    expect(() => runtimeSettings(bad)).toThrow(ConfigError);
    const badUrl = withVars({ OLLAMA_URL: "not a url" });
    for (let i = 0; i < 2; i++) await expect(resolveRuntime(badUrl, lookup)).rejects.toThrow(ConfigError);
    await Promise.all(background);
  });
});
