/**
 * The one secret redactor (issue 9 point 5). Upstream text can quote the credentials it
 * received; every place that logs, stores or renders upstream text passes it through here.
 * Leaf module: imports nothing of ours.
 */

/** Longest upstream text kept: enough to read, bounded for logs, bodies and breaker state. */
const MAX_UPSTREAM_TEXT = 200;

/** The secrets one provider holds (a ProviderConfig fits). */
export interface SecretHolder {
  apiKey?: string | undefined;
  headers?: Readonly<Record<string, string>>;
}

const REDACTED = "[redacted]";

/**
 * Masks the holder's own secrets, anything shaped like a credential (Bearer/Basic values,
 * sk-/pk-/rk-/gsk_/xai-/AIza keys, key= style query parameters), collapses whitespace, and
 * caps the length.
 */
export function redactSecrets(text: string, holder: SecretHolder = {}): string {
  let out = text;
  const secrets = [holder.apiKey, ...Object.values(holder.headers ?? {})].filter((s): s is string => !!s && s.length >= 4);
  // Longest first, so a secret containing another is masked whole.
  for (const s of secrets.sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  out = out
    .replace(/\b(Bearer|Basic)\s+\S+/gi, `$1 ${REDACTED}`)
    .replace(/\b(sk|pk|rk|gsk|xai|AIza)[-_A-Za-z0-9]{8,}/g, REDACTED)
    .replace(/([?&](?:key|api_key|apikey|access_token|token)=)[^&\s"'#]+/gi, `$1${REDACTED}`)
    .replace(/\s+/g, " ")
    .trim();
  return out.length > MAX_UPSTREAM_TEXT ? `${out.slice(0, MAX_UPSTREAM_TEXT - 1)}…` : out;
}
