/**
 * Config history (DESIGN.md § Operator surfaces, issue 14 point 1): every PUT and rollback
 * is a kept version, GET /v1/aliases sends an ETag, writes honour If-Match atomically,
 * GET /v1/aliases/versions lists the history without text or keys, POST /v1/aliases/rollback
 * makes an older text current again. Every test shares this file's ConfigStore.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { CONFIG_STORE_NAME, MAX_VERSIONS } from "../../src/config/config-store";
import { forgetConfigView } from "../../src/config/override-view";
import { ADMIN_KEY, call, callWith, chainYaml, KEY, tag } from "../helpers/http";

interface AliasesBody {
  version: string;
  source: string;
  aliases: { name: string; chain: string[] }[];
}
interface VersionsBody {
  current: string;
  versions: { version: string; created_at: string; sha256: string; admin: string; action: string; rolled_back_from: string | null }[];
}

const SECOND_ADMIN = "second-admin-key";
const TWO_ADMINS = { ADMIN_API_KEYS: `${ADMIN_KEY},${SECOND_ADMIN}` };

const put = (yaml: string, headers: Record<string, string> = {}, key = ADMIN_KEY) =>
  callWith(TWO_ADMINS, "/v1/aliases", { method: "PUT", key, headers: { "content-type": "application/yaml", ...headers }, body: yaml });
const rollback = (version: unknown, headers: Record<string, string> = {}, key = ADMIN_KEY) =>
  callWith(TWO_ADMINS, "/v1/aliases/rollback", { method: "POST", key, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ version }) });
const versions = (key = ADMIN_KEY) => callWith(TWO_ADMINS, "/v1/aliases/versions", { key });
const aliases = () => call("/v1/aliases");
const chat = () =>
  call("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "mana/t", messages: [{ role: "user", content: "hi" }] }) });

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

beforeEach(async () => {
  expect((await call("/v1/aliases", { method: "DELETE", key: ADMIN_KEY })).status).toBe(200);
});

describe("ETag and If-Match", () => {
  it("GET /v1/aliases sends the version as a strong ETag; a PUT answers the new one", async () => {
    const before = await aliases();
    const body = await before.json<AliasesBody>();
    expect(before.headers.get("etag")).toBe(`"${body.version}"`);
    const t = tag();
    const res = await put(chainYaml([`groq/ok@${t}`]), { "if-match": before.headers.get("etag")! });
    expect(res.status).toBe(200);
    const written = await res.json<AliasesBody>();
    expect(res.headers.get("etag")).toBe(`"${written.version}"`);
    expect((await aliases()).headers.get("etag")).toBe(`"${written.version}"`);
  });

  it("a stale If-Match → 412 precondition_failed, and nothing changes: config, routing, history", async () => {
    const t = tag();
    const first = await put(chainYaml([`groq/ok@${t}`]));
    const staleTag = first.headers.get("etag")!;
    const second = await put(chainYaml([`openrouter/ok@${t}`]), { "if-match": staleTag });
    expect(second.status).toBe(200);
    const history = await (await versions()).json<VersionsBody>();

    const refused = await put(chainYaml([`together/ok@${t}`]), { "if-match": staleTag });
    expect(refused.status).toBe(412);
    const err = (await refused.json<{ error: { code: string; message: string } }>()).error;
    expect(err.code).toBe("precondition_failed");
    expect(refused.headers.get("etag")).toBe(second.headers.get("etag"));
    expect((await aliases()).headers.get("etag")).toBe(second.headers.get("etag"));
    expect((await aliases().then((r) => r.json<AliasesBody>())).aliases[0]!.chain).toEqual([`openrouter/ok@${t}`]);
    expect((await chat()).headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);
    expect(await (await versions()).json<VersionsBody>()).toEqual(history);
  });

  it("with no override the base version matches; '*' matches anything; a weak or listed tag is read too", async () => {
    const base = (await aliases()).headers.get("etag")!;
    expect((await put(chainYaml([`groq/ok@${tag()}`]), { "if-match": `"nope-1", ${base}` })).status).toBe(200);
    expect((await put(chainYaml([`groq/ok@${tag()}`]), { "if-match": "*" })).status).toBe(200);
    const current = (await aliases()).headers.get("etag")!;
    expect((await put(chainYaml([`groq/ok@${tag()}`]), { "if-match": `W/${current}` })).status).toBe(200);
    expect((await put(chainYaml([`groq/ok@${tag()}`]), { "if-match": base })).status).toBe(412);
  });

  it("concurrent writes with the same If-Match: exactly one wins (the check is atomic in the store)", async () => {
    const current = (await aliases()).headers.get("etag")!;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => put(chainYaml([`groq/ok-${i}@${tag()}`]), { "if-match": current })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412]);
  });
});

describe("GET /v1/aliases/versions", () => {
  it("lists each write newest first: number, time, sha256 of the text, the admin key by position — never text or keys", async () => {
    const t = tag();
    const a = chainYaml([`groq/ok@${t}`]);
    const b = chainYaml([`openrouter/ok@${t}`]);
    const before = Date.now();
    const va = (await (await put(a)).json<AliasesBody>()).version;
    const vb = (await (await put(b, {}, SECOND_ADMIN)).json<AliasesBody>()).version;
    const res = await versions();
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as VersionsBody;
    expect(body.current).toBe(vb);
    expect(body.versions.slice(0, 2)).toEqual([
      { version: vb, created_at: expect.any(String), sha256: await sha256(b), admin: "admin key #2", action: "put", rolled_back_from: null },
      { version: va, created_at: expect.any(String), sha256: await sha256(a), admin: "admin key #1", action: "put", rolled_back_from: null },
    ]);
    expect(Date.parse(body.versions[1]!.created_at)).toBeGreaterThanOrEqual(before - 1000);
    for (const secret of [ADMIN_KEY, SECOND_ADMIN, KEY, `groq/ok@${t}`, "aliases:"]) expect(text).not.toContain(secret);
  });

  it("keeps the last MAX_VERSIONS; they survive the store's eviction", async () => {
    const stub = env.CONFIG_STORE.getByName(CONFIG_STORE_NAME);
    const t = tag();
    const now = Date.now();
    for (let i = 0; i < MAX_VERSIONS + 2; i++) await stub.put(chainYaml([`groq/n${i}@${t}`]), now + i, { admin: "admin key #1" });
    await evictDurableObject(stub);
    forgetConfigView(env.CONFIG_STORE);
    const body = await (await versions()).json<VersionsBody>();
    expect(body.versions).toHaveLength(MAX_VERSIONS);
    expect(body.versions[0]!.sha256).toBe(await sha256(chainYaml([`groq/n${MAX_VERSIONS + 1}@${t}`])));
    expect(body.versions.at(-1)!.sha256).toBe(await sha256(chainYaml([`groq/n2@${t}`])));
    const dropped = Number(body.versions.at(-1)!.version.split("-")[1]) - 1;
    expect((await rollback(`override-${dropped}`)).status).toBe(404);
  });
});

describe("POST /v1/aliases/rollback", () => {
  it("makes an older text current as a new version: the next requests route by the older chain", async () => {
    const t = tag();
    const old = await (await put(chainYaml([`groq/ok@${t}`]))).json<AliasesBody>();
    await put(chainYaml([`openrouter/ok@${t}`]));
    expect((await chat()).headers.get("x-mana-llm-resolved")).toBe(`openrouter/ok@${t}`);

    const res = await rollback(old.version, {}, SECOND_ADMIN);
    expect(res.status).toBe(200);
    const body = await res.json<AliasesBody>();
    expect(body.version).not.toBe(old.version);
    expect(body.aliases[0]!.chain).toEqual([`groq/ok@${t}`]);
    expect(res.headers.get("etag")).toBe(`"${body.version}"`);
    expect((await chat()).headers.get("x-mana-llm-resolved")).toBe(`groq/ok@${t}`);
    const list = await (await versions()).json<VersionsBody>();
    expect(list.versions[0]).toMatchObject({ version: body.version, action: "rollback", rolled_back_from: old.version, admin: "admin key #2", sha256: await sha256(chainYaml([`groq/ok@${t}`])) });
  });

  it("honours If-Match too; an unknown version → 404, a malformed body → 400, and nothing changes", async () => {
    const t = tag();
    const a = await put(chainYaml([`groq/ok@${t}`]));
    const version = (await a.json<AliasesBody>()).version;
    await put(chainYaml([`openrouter/ok@${t}`]));
    const current = (await aliases()).headers.get("etag")!;
    expect((await rollback(version, { "if-match": a.headers.get("etag")! })).status).toBe(412);
    expect((await rollback("override-999999")).status).toBe(404);
    expect((await rollback("v3")).status).toBe(400);
    expect((await rollback(3)).status).toBe(400);
    expect((await aliases()).headers.get("etag")).toBe(current);
  });
});

describe("admin routes refuse other keys", () => {
  it("a normal key → 403 on every admin route, no key → 401", async () => {
    const t = tag();
    const version = (await (await put(chainYaml([`groq/ok@${t}`]))).json<AliasesBody>()).version;
    const etag = (await aliases()).headers.get("etag");
    expect((await versions(KEY)).status).toBe(403);
    expect((await rollback(version, {}, KEY)).status).toBe(403);
    expect((await put(chainYaml([`openrouter/ok@${t}`]), {}, KEY)).status).toBe(403);
    expect((await call("/v1/aliases", { method: "DELETE", key: KEY })).status).toBe(403);
    expect((await call("/v1/aliases/versions", { key: null })).status).toBe(401);
    expect((await aliases()).headers.get("etag")).toBe(etag);
  });
});
