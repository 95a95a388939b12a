/**
 * How to call a (possibly tunnelled) Ollama: its headers, and the one request helper the
 * adapter's calls share. Never an `Origin` header: Ollama answers 403 to origins it does
 * not allow, and a server-side caller has none to claim.
 */
import { UpstreamError } from "../failures";
import { readErrorBody, readPayloadJson, upstreamFetch } from "../http";
import type { ProviderConfig } from "../types";
import { mapOllamaError } from "./map-error";

const JSON_HEADERS = { "Content-Type": "application/json" };

/** The Cloudflare Access service token and a bearer key, when configured. */
export function ollamaHeaders(provider: ProviderConfig, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  for (const [name, value] of Object.entries(provider.headers)) {
    if (name.toLowerCase() !== "origin") headers[name] = value;
  }
  if (provider.apiKey) headers.Authorization = `Bearer ${provider.apiKey}`;
  return headers;
}

/**
 * GET (no body) or POST with the provider's headers; a non-2xx answer throws its mapped
 * failure. Redirects are not followed: behind Cloudflare Access a redirect means the
 * service token was refused, and following it would fetch a login page.
 */
export async function sendOllama(provider: ProviderConfig, path: string, signal: AbortSignal, body?: unknown, accept = "application/json"): Promise<Response> {
  const res = await upstreamFetch(`${provider.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: ollamaHeaders(provider, body === undefined ? { Accept: accept } : { ...JSON_HEADERS, Accept: accept }),
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
    signal,
  });
  if (res.status >= 200 && res.status < 300) return res;
  throw new UpstreamError(mapOllamaError(res.status, await readErrorBody(res), res.headers.get("retry-after"), Date.now()));
}

/** A 2xx that is an HTML page came from something in front of Ollama, not from Ollama. */
export function assertNotHtml(res: Response, path: string): void {
  if ((res.headers.get("content-type") ?? "").toLowerCase().includes("text/html")) {
    void res.body?.cancel().catch(() => {});
    throw new UpstreamError({ kind: "malformed", message: `${path} answered with an HTML page, not Ollama` });
  }
}

/** The JSON of a 2xx answer; a failing read (reset, abort) is a typed network failure. */
export async function readOllamaJson(res: Response, path: string, signal: AbortSignal): Promise<unknown> {
  assertNotHtml(res, path);
  const value = await readPayloadJson(res, signal);
  if (value === undefined) throw new UpstreamError({ kind: "malformed", message: `${path} answered with invalid JSON` });
  return value;
}
