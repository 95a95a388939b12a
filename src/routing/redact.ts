import type { ProviderConfig } from "../providers/types";

/**
 * Upstream error text can quote the credentials it received; scrub every secret this
 * provider holds, and anything shaped like a bearer key, before text leaves the router.
 */
export function redactSecrets(text: string, provider: Pick<ProviderConfig, "apiKey" | "headers">): string {
  let out = text;
  const secrets = [provider.apiKey, ...Object.values(provider.headers)].filter((s): s is string => !!s && s.length >= 4);
  for (const s of secrets) out = out.split(s).join("[redacted]");
  return out.replace(/\b(sk|gsk|rk|pk|AIza)[-_A-Za-z0-9]{12,}/g, "[redacted]");
}
