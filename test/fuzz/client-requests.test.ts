/**
 * Hostile headers, paths, methods and YAML uploads through the Worker: auth variants
 * (no key other than a configured one, up to ASCII spaces and tabs, ever passes), junk
 * content types and headers, random routes, and PUT /v1/aliases with mutated YAML.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, KEY, call } from "../helpers/http";
import { expectHealthy, expectWellFormed, options, show, timeoutFor } from "./harness";

const KEYS = new Set([KEY, "second-key", ADMIN_KEY]);
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const trimSpTab = (s: string) => s.replace(/^[ \t]+/, "").replace(/[ \t]+$/, "");
const CHAT_BODY = JSON.stringify({ model: "groq/ok@fuzz", messages: [{ role: "user", content: "hi" }] });

/** A configured key with an edit: a character changed, added or removed, case flipped, whitespace of any kind around it. */
const keyVariant = fc
  .tuple(fc.constantFrom(...KEYS), fc.nat(), fc.constantFrom("none", "insert", "delete", "replace", "upper", "wrap"), latin1, fc.constantFrom(" ", "\t", "\u00a0", "\u0085", "  \t", ""))
  .map(([key, at, edit, junk, ws]) => {
    const i = at % (key.length + 1);
    if (edit === "insert") return key.slice(0, i) + junk + key.slice(i);
    if (edit === "delete") return key.slice(0, i) + key.slice(i + 1);
    if (edit === "replace") return key.slice(0, i) + junk.slice(0, 1) + key.slice(i + 1);
    if (edit === "upper") return key.toUpperCase();
    if (edit === "wrap") return ws + key + ws;
    return key;
  });

const authHeaders = fc.oneof(
  keyVariant.map((k) => ({ authorization: `Bearer ${k}` })),
  keyVariant.map((k) => ({ authorization: `${k}` })),
  fc.tuple(fc.constantFrom("Bearer", "bearer", "Basic", "Token", "Bearer\u00a0", "Bearer\t"), keyVariant).map(([s, k]) => ({ authorization: `${s} ${k}` })),
  keyVariant.map((k) => ({ "x-api-key": k })),
  fc.tuple(latin1, latin1).map(([a, b]) => ({ authorization: a, "x-api-key": b })),
);

/** Whether the router should let `headers` in (the rule of middleware/auth.ts, written out independently). */
function shouldPass(h: Record<string, string>): boolean {
  const auth = h.authorization === undefined ? undefined : trimSpTab(h.authorization);
  const m = auth ? /^Bearer[ \t]+(.+)$/i.exec(auth) : null;
  if (m) return KEYS.has(trimSpTab(m[1]!));
  return h["x-api-key"] !== undefined && KEYS.has(trimSpTab(h["x-api-key"]));
}

/** Makes the Request, or undefined when the runtime itself refuses such headers (not our input to judge). */
function request(path: string, init: RequestInit): Promise<Response> | undefined {
  try {
    new Headers(init.headers);
  } catch {
    return undefined;
  }
  return call(path, { ...init, key: null });
}

const junkHeaders = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), latin1, { maxKeys: 5 });
const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/yaml",
    "",
    "application/json;;;",
    "*/*",
  ),
  latin1,
);
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const path = fc.oneof(
  fc.constantFrom(
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/models",
    "/v1/models/mana%2Ffast-text",
    "/v1/aliases",
    "/v1/aliases/versions",
    "/v1/health",
    "/health",
    "/metrics",
    "/status",
    "/",
    "/v1",
    "/v1/",
  ),
  fc.webPath(),
  fc.array(fc.oneof(fc.constantFrom("v1", "models", "chat", "completions", "..", ".", "%2F", "%00", "%ZZ", "mana", ""), fc.webSegment()), { maxLength: 6 }).map((s) => `/${s.join("/")}`),
);

afterAll(async () => {
  expect((await call("/v1/aliases", { method: "DELETE", key: ADMIN_KEY })).status).toBe(200);
  await expectHealthy();
});

describe("fuzz: headers, paths, methods", () => {
  it(
    "auth variants: only a configured key passes",
    async () => {
      await fc.assert(
        fc.asyncProperty(authHeaders, junkHeaders, async (auth, junk) => {
          const headers = { ...junk, ...auth };
          const res = request("/v1/models", { headers });
          fc.pre(res !== undefined);
          const r = await res!;
          await expectWellFormed(r, show(headers));
          expect(r.status === 401 ? false : r.status === 200 ? true : undefined, show(headers)).toBe(shouldPass(auth));
        }),
        options(0.11),
      );
    },
    timeoutFor(0.11),
  );

  it(
    "content types and junk headers on a chat request",
    async () => {
      await fc.assert(
        fc.asyncProperty(contentType, junkHeaders, fc.oneof(fc.constant(CHAT_BODY), fc.string({ unit: "binary", maxLength: 100 })), async (type, junk, body) => {
          const res = request("/v1/chat/completions", { method: "POST", headers: { ...junk, "content-type": type, authorization: `Bearer ${KEY}` }, body });
          fc.pre(res !== undefined);
          await expectWellFormed(await res!, show([type, junk, body]));
        }),
        options(0.1),
      );
    },
    timeoutFor(0.1),
  );

  it(
    "random paths and methods",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...METHODS), path, fc.boolean(), async (method, p, withBody) => {
          // An admin key on purpose: a PUT to /v1/aliases with a junk body must still be a 4xx.
          const init: RequestInit = { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" } };
          if (withBody && method !== "GET" && method !== "HEAD") init.body = CHAT_BODY;
          let res: Response;
          try {
            res = await call(p, { ...init, key: null });
          } catch (err) {
            // An unparseable URL is refused by the runtime before the Worker sees it.
            fc.pre(!(err instanceof TypeError));
            throw err;
          }
          if (method === "HEAD" || method === "OPTIONS" || res.status === 204 || res.status === 499) {
            expect(res.status, `${method} ${p}`).toBeLessThan(500);
            return;
          }
          await expectWellFormed(res, `${method} ${p}`);
        }),
        options(0.1),
      );
    },
    timeoutFor(0.1),
  );
});

const YAML_PIECES = [
  "aliases:",
  "  mana/f:",
  "    description: x",
  "    chain: [groq/ok@fuzz]",
  "default: mana/f",
  "providers:",
  '  lab: {kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: LAB_KEY}',
  "base: &b {description: y, chain: [groq/ok@fuzz]}",
  "  mana/g: *b",
  "  mana/h: *nope",
  "  <<: *b",
  "a: &a [x, *a]",
  "- ",
  "? ",
  ": ",
  "|",
  ">",
  "---",
  "...",
  "%YAML 1.1",
  "!!binary aGk=",
  "!!js/function f",
  "!!str",
  "{",
  "}",
  "[",
  "]",
  "\t",
  "  ",
  '"',
  "'",
  "#",
  "&a",
  "*a",
  "~",
  "null",
  "0x10",
  "1e999",
  ".inf",
];
const yamlDoc = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ maxLength: 20 })), { maxLength: 25 }).map((lines) => lines.join("\n")),
  fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 9 })).map(([levels, width]) => {
    const lines = ["l0: &l0 [lol, lol]"];
    for (let i = 1; i <= levels; i++)
      lines.push(
        `l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(", ")}]`,
      );
    return [...lines, "aliases:", "  mana/f: {description: x, chain: [groq/ok@fuzz]}", "default: mana/f"].join("\n");
  }),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `aliases: ${"[".repeat(n)}${"]".repeat(n)}\ndefault: mana/f\n`),
  fc.string({ unit: "binary", maxLength: 300 }),
);

describe("fuzz: YAML uploads to PUT /v1/aliases", () => {
  it(
    "every upload is stored (200) or refused with a 4xx naming why",
    async () => {
      await fc.assert(
        fc.asyncProperty(yamlDoc, async (yaml) => {
          const res = await call("/v1/aliases", { method: "PUT", key: ADMIN_KEY, headers: { "content-type": "application/yaml" }, body: yaml });
          const error = await expectWellFormed(res, show(yaml));
          expect([200, 400, 413], show(yaml)).toContain(res.status);
          if (error) expect(error.code, show(yaml)).toBe("invalid_aliases");
        }),
        options(0.09),
      );
    },
    timeoutFor(0.09),
  );
});
