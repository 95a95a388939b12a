/**
 * Gemini 3 thought signatures. A functionCall part comes with an opaque `thoughtSignature`
 * that must be sent back, on the same part, when the call reappears in the history — or
 * Gemini answers 400. OpenAI's tool call has no such field, so the signature travels twice:
 * in `extra_content.google.thought_signature` (the name Google's own OpenAI layer uses), and
 * inside the tool call id the router issues, for clients that rebuild tool calls from
 * `{id, type, function}` alone (LangChain's ChatOpenAI, the openai SDK's runTools). The
 * signature is Google's opaque token, not a secret: a reversible encoding is enough.
 */
import type { ToolCall } from "../../openai/schemas";

/**
 * Google's documented placeholder for a replayed call that has no signature (history from
 * another model, or an id the router did not issue): validation is skipped instead of a 400.
 */
export const SKIP_SIGNATURE_VALIDATOR = "skip_thought_signature_validator";

/** The OpenAI tool call's `extra_content` carrying a Gemini signature. */
export function signatureExtraContent(signature: string): Record<string, unknown> {
  return { google: { thought_signature: signature } };
}

/** Longer signatures stay out of the id (extra_content still carries them): every later turn echoes the id. */
export const MAX_SIGNATURE_IN_ID = 8192;
const SIGNED_ID = /^(call_[A-Za-z0-9]+)_sig_([A-Za-z0-9_-]+)$/;
/** Google sends bytes as canonical base64; only that maps losslessly onto base64url. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The tool call id to issue for a call: `<base>_sig_<base64url(signature)>` when the signature
 * fits, else the base. `base` is the router's own `call_<alphanumeric>` id.
 */
export function signedToolCallId(base: string, signature: string): string {
  if (signature === "" || signature.length > MAX_SIGNATURE_IN_ID || !CANONICAL_BASE64.test(signature)) return base;
  return `${base}_sig_${signature.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

/** The signature inside an id `signedToolCallId` issued; undefined for any other id. */
export function signatureFromToolCallId(id: string): string | undefined {
  const encoded = SIGNED_ID.exec(id)?.[2];
  if (!encoded || encoded.length % 4 === 1) return undefined;
  const b64 = encoded.replaceAll("-", "+").replaceAll("_", "/");
  return b64 + "=".repeat((4 - (b64.length % 4)) % 4);
}

/** The signature an OpenAI tool call carries back, if any: its extra_content, else its id. */
export function thoughtSignatureOf(call: ToolCall): string | undefined {
  return extraContentSignature(call.extra_content) ?? signatureFromToolCallId(call.id);
}

function extraContentSignature(extra: unknown): string | undefined {
  if (typeof extra !== "object" || extra === null) return undefined;
  const google = (extra as Record<string, unknown>).google;
  if (typeof google !== "object" || google === null) return undefined;
  const sig = (google as Record<string, unknown>).thought_signature;
  return typeof sig === "string" && sig.length > 0 ? sig : undefined;
}

/** Gemini 3 and later validate signatures; earlier models ignore them. */
export function validatesThoughtSignatures(model: string): boolean {
  const m = /^gemini-(\d+)/.exec(model);
  return m !== null && Number(m[1]) >= 3;
}

/**
 * The signature to send with each call of one assistant turn. Only the first of parallel
 * calls is signed by Gemini, so a turn counts as unsigned only when none of its calls
 * carries one; then, for a validating model, the first call gets the placeholder.
 */
export function signaturesForTurn(calls: readonly ToolCall[], model: string): Array<string | undefined> {
  const given = calls.map(thoughtSignatureOf);
  if (given.some((s) => s !== undefined) || calls.length === 0 || !validatesThoughtSignatures(model)) return given;
  return given.map((s, i) => (i === 0 ? SKIP_SIGNATURE_VALIDATOR : s));
}
