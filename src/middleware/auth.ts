import type { MiddlewareHandler } from "hono";
import type { Settings } from "../config/settings";
import { ApiError } from "../openai/errors";
import type { AppEnv } from "../types";

/**
 * API keys from `Authorization: Bearer` or `X-API-Key`, compared in constant time.
 * With no keys configured every request is refused unless ALLOW_OPEN_ACCESS=true.
 */
export function apiKeyAuth(): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuthMiddleware(c, next) {
    const { apiKeys, adminKeys, allowOpenAccess } = c.get("settings");
    if (apiKeys.length === 0 && adminKeys.length === 0) {
      if (!allowOpenAccess) {
        throw new ApiError(401, "This deployment has no API keys configured (set the API_KEYS secret); it refuses all requests until it has some", { code: "no_keys_configured" });
      }
      c.set("isAdmin", true);
      c.set("adminKey", null);
      return next();
    }
    const presented = presentedKey(c.req.raw.headers);
    if (!presented) throw new ApiError(401, "Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>", { code: "missing_api_key" });
    const digests = await digestsOf(c.get("settings"));
    const digest = await sha256(presented);
    const adminIndex = matchIndex(digest, digests.admin);
    const isAdmin = adminIndex >= 0;
    if (!isAdmin && matchIndex(digest, digests.api) < 0) throw new ApiError(401, "Invalid API key", { code: "invalid_api_key" });
    c.set("isAdmin", isAdmin);
    // Config history names the admin key by its position in ADMIN_API_KEYS, never by the key.
    c.set("adminKey", isAdmin ? adminIndex + 1 : null);
    return next();
  };
}

/** Routes that change the router's config need an admin key. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async function requireAdminMiddleware(c, next) {
    if (!c.get("isAdmin")) throw new ApiError(403, "This operation needs an admin API key", { code: "admin_key_required" });
    return next();
  };
}

/** Any configured API or admin key (the status page's login and key header). */
export async function isKnownKey(presented: string, keys: { apiKeys: readonly string[]; adminKeys: readonly string[] }): Promise<boolean> {
  const [digest, known] = await Promise.all([sha256(presented), Promise.all([...keys.adminKeys, ...keys.apiKeys].map(sha256))]);
  return matchIndex(digest, known) >= 0;
}

export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer[ \t]+(.+)$/i.exec(trimAscii(auth));
    if (m) return trimAscii(m[1]!);
  }
  return trimAscii(headers.get("x-api-key") ?? "") || undefined;
}

/** Only HTTP's own whitespace: `.trim()` would also strip U+00A0 and friends, accepting a key that is not the key. */
function trimAscii(s: string): string {
  // A loop, not /[ \t]+$/: that regex backtracks quadratically over a long run of spaces.
  const blank = (i: number) => s[i] === " " || s[i] === "\t";
  let start = 0;
  let end = s.length;
  while (start < end && blank(start)) start++;
  while (end > start && blank(end - 1)) end--;
  return s.slice(start, end);
}

const encoder = new TextEncoder();

const sha256 = (text: string) => crypto.subtle.digest("SHA-256", encoder.encode(text));

interface KeyDigests {
  admin: ArrayBuffer[];
  api: ArrayBuffer[];
}

/**
 * The configured keys' digests, computed once per isolate and settings (DESIGN.md § Cost per
 * request: one digest per key check, the presented key's). The values are kept, not the
 * promise, so no request ever waits on another request's work.
 */
const keyDigests = new WeakMap<Settings, KeyDigests>();

async function digestsOf(s: Settings): Promise<KeyDigests> {
  const known = keyDigests.get(s);
  if (known) return known;
  const d = { admin: await Promise.all(s.adminKeys.map(sha256)), api: await Promise.all(s.apiKeys.map(sha256)) };
  keyDigests.set(s, d);
  return d;
}

/**
 * The position of the presented key's digest among `keys`, or -1. Digests on both sides so
 * lengths never leak, compared with the runtime's timing-safe equal.
 */
function matchIndex(presented: ArrayBuffer, keys: readonly ArrayBuffer[]): number {
  let found = -1;
  // No early exit: every key is compared.
  for (let i = 0; i < keys.length; i++) if (crypto.subtle.timingSafeEqual(presented, keys[i]!) && found < 0) found = i;
  return found;
}
