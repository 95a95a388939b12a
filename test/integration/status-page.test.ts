/**
 * GET /status (DESIGN.md § Operator surfaces, issue 14 point 2) through the Worker: access
 * by key header, login session or open access; what the page shows; its headers.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import shippedYaml from "../../aliases.yaml";
import { parseAliasesYaml } from "../../src/config/aliases";
import { SESSION_TTL_MS, issueSession } from "../../src/routes/status-session";
import { ADMIN_KEY, KEY, callWith, chainYaml, ownProviders, tag } from "../helpers/http";

const shipped = parseAliasesYaml(shippedYaml);
const stub = (name: string) => env.PROVIDER_HEALTH.getByName(name);

const login = (key: string, vars: Record<string, string> = {}) =>
  callWith(vars, "/status/login", { method: "POST", key: null, headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ key }).toString(), redirect: "manual" });

/** No src/href/action pointing anywhere but this origin. */
function externalUrls(page: string): string[] {
  return [...page.matchAll(/\b(?:src|href|action)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!).filter((u) => /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(u));
}

function expectPageHeaders(res: Response) {
  expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  expect(res.headers.get("cache-control")).toBe("no-store");
}

describe("access", () => {
  it("no key and no session → 401 with the login form, the CSP, no cookie", async () => {
    const res = await callWith({}, "/status", { key: null });
    expect(res.status).toBe(401);
    expectPageHeaders(res);
    expect(res.headers.get("set-cookie")).toBeNull();
    const page = await res.text();
    expect(page).toContain('<form method="post" action="/status/login">');
    expect(page).not.toContain('http-equiv="refresh"');
    expect(externalUrls(page)).toEqual([]);
  });

  it("a key header (API or admin key) shows the page; a wrong key header shows the login form", async () => {
    for (const key of [KEY, ADMIN_KEY]) expect((await callWith({}, "/status", { key })).status).toBe(200);
    expect((await callWith({}, "/status", { key: "wrong-key" })).status).toBe(401);
  });

  it("a wrong key at the login form → 401 and no cookie", async () => {
    for (const key of ["wrong-key", "", `${KEY}x`]) {
      const res = await login(key);
      expect(res.status).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain("not valid");
    }
  });

  it("the right key → 303 to /status with a signed HttpOnly, SameSite=Strict, Path=/status, Secure cookie that holds no key; it opens the page", async () => {
    const res = await login(KEY);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/status");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^mana_status=[^;]+; Path=\/status; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const value = cookie.split(";")[0]!.split("=").slice(1).join("=");
    for (const k of [KEY, ADMIN_KEY, "second-key"]) expect(value).not.toContain(k);
    const page = await callWith({}, "/status", { key: null, headers: { cookie: `mana_status=${value}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign out");
  });

  it("a tampered, expired or other deployment's token is refused", async () => {
    const good = await issueSession([KEY, "second-key", ADMIN_KEY], Date.now());
    const [exp, nonce, sig] = good.split(".");
    const tampered = `${Number(exp) + 1000}.${nonce}.${sig}`;
    const expired = await issueSession([KEY, "second-key", ADMIN_KEY], Date.now() - SESSION_TTL_MS - 1);
    const otherKeys = await issueSession(["some-other-key"], Date.now());
    expect((await callWith({}, "/status", { key: null, headers: { cookie: `mana_status=${good}` } })).status).toBe(200);
    for (const token of [tampered, expired, otherKeys, "x.y.z"]) {
      expect((await callWith({}, "/status", { key: null, headers: { cookie: `mana_status=${token}` } })).status).toBe(401);
    }
  });

  it("an open-access deployment needs no login; one without keys that is not open refuses", async () => {
    const open = { API_KEYS: "", ADMIN_API_KEYS: "", ALLOW_OPEN_ACCESS: "true" };
    expect((await callWith(open, "/status", { key: null })).status).toBe(200);
    expect((await callWith({ ...open, ALLOW_OPEN_ACCESS: "false" }, "/status", { key: null })).status).toBe(401);
  });
});

describe("what the page shows", () => {
  it("every alias with its chain, the config version, the health summary, a 10 s refresh and no external URL", async () => {
    const res = await callWith({}, "/status");
    expectPageHeaders(res);
    const page = await res.text();
    expect(page).toContain('<meta http-equiv="refresh" content="10">');
    for (const a of shipped.aliases.values()) {
      expect(page).toContain(`data-alias="${a.name}"`);
      for (const e of a.chain) expect(page).toContain(`data-entry="${e.id}"`);
    }
    expect(page).toContain(`<code>${shipped.version}</code>`);
    expect(page).toContain('id="health"');
    expect(externalUrls(page)).toEqual([]);
    expect(page).not.toMatch(/<script|<img|<link|@import|url\(/i);
  });

  it("an open primary is shown open with its failures and reopening time; the fallback is marked as answering; errors are redacted and escaped", async () => {
    const t = tag();
    const vars = {
      ALIASES_YAML: chainYaml(
        [`dead-${t}/m@${t}`, `groq-${t}/ok@${t}`, `nowhere/m@${t}`],
        `providers:\n${ownProviders(t)}  nowhere: {kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: UNSET_NOWHERE_KEY}\n`,
      ),
    };
    const now = Date.now();
    await stub(`dead-${t}`).recordFailure(now, "connect <b>boom</b> sk-groq-fake-secret");
    await stub(`dead-${t}`).recordFailure(now, "connect <b>boom</b> sk-groq-fake-secret");
    const page = await (await callWith(vars, "/status")).text();
    const row = (id: string) => page.slice(page.indexOf(`data-entry="${id}"`), page.indexOf("</tr>", page.indexOf(`data-entry="${id}"`)));
    expect(row(`dead-${t}/m@${t}`)).toContain('data-state="open" data-answering="false"');
    expect(row(`dead-${t}/m@${t}`)).toContain("<td>2</td>");
    expect(row(`dead-${t}/m@${t}`)).toContain("&lt;b&gt;boom&lt;/b&gt;");
    expect(row(`dead-${t}/m@${t}`)).toContain("[redacted]");
    expect(page).not.toContain("sk-groq-fake-secret");
    expect(page).not.toContain("<b>boom");
    expect(row(`dead-${t}/m@${t}`)).toContain(new Date(now + 60_000).toISOString().slice(0, 16));
    expect(row(`groq-${t}/ok@${t}`)).toContain('data-answering="true"');
    expect(row(`groq-${t}/ok@${t}`)).toContain("answers now");
    expect(row(`nowhere/m@${t}`)).toContain('data-state="not-configured" data-answering="false"');
  });
});
