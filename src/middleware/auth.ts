import type { MiddlewareHandler } from "hono";
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
    const adminIndex = await matchIndex(presented, adminKeys);
    const isAdmin = adminIndex >= 0;
    if (!isAdmin && (await matchIndex(presented, apiKeys)) < 0) throw new ApiError(401, "Invalid API key", { code: "invalid_api_key" });
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
  return (await matchIndex(presented, keys.adminKeys)) >= 0 || (await matchIndex(presented, keys.apiKeys)) >= 0;
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

/**
 * The position of `presented` in `keys`, or -1. Hash both sides so lengths never leak, then
 * compare with the runtime's timing-safe equal.
 */
async function matchIndex(presented: string, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return -1;
  const a = await crypto.subtle.digest("SHA-256", encoder.encode(presented));
  let found = -1;
  for (const [i, key] of keys.entries()) {
    const b = await crypto.subtle.digest("SHA-256", encoder.encode(key));
    // No early exit: every key is compared.
    if (crypto.subtle.timingSafeEqual(a, b) && found < 0) found = i;
  }
  return found;
}
