/**
 * The status page's login session (DESIGN.md § Operator surfaces): a signed, expiring token
 * `<expiry ms>.<nonce>.<HMAC-SHA256>` in an HttpOnly cookie. The HMAC key is derived from
 * the configured API and admin keys (no extra secret to provision), so rotating the keys
 * ends every session. The token never contains a key.
 */
export const SESSION_COOKIE = "mana_status";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A token is a few dozen bytes; anything longer is not ours. */
const MAX_TOKEN_CHARS = 200;

const encoder = new TextEncoder();

async function hmacKey(keys: readonly string[]): Promise<CryptoKey> {
  const material = await crypto.subtle.digest("SHA-256", encoder.encode(`mana-llm status session v1\n${keys.join("\n")}`));
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const b64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function unb64url(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

export async function issueSession(keys: readonly string[], now: number): Promise<string> {
  const nonce = b64url(crypto.getRandomValues(new Uint8Array(12)).buffer);
  const payload = `${now + SESSION_TTL_MS}.${nonce}`;
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(keys), encoder.encode(payload));
  return `${payload}.${b64url(sig)}`;
}

/** True for a token this deployment signed that has not expired (verify is constant-time). */
export async function verifySession(token: string | undefined, keys: readonly string[], now: number): Promise<boolean> {
  if (!token || token.length > MAX_TOKEN_CHARS) return false;
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [exp, nonce, sig] = parts as [string, string, string];
  const expiry = Number(exp);
  if (!/^\d{1,16}$/.test(exp) || expiry <= now || expiry > now + SESSION_TTL_MS) return false;
  const raw = unb64url(sig);
  if (!raw) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(keys), raw, encoder.encode(`${exp}.${nonce}`));
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Secure everywhere but on loopback (plain-http `wrangler dev`). */
export function sessionCookie(token: string, url: URL, maxAgeS = SESSION_TTL_MS / 1000): string {
  const secure = LOOPBACK.has(url.hostname) ? "" : "; Secure";
  return `${SESSION_COOKIE}=${token}; Path=/status; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}
