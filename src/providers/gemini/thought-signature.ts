/**
 * Gemini 3 thought signatures. A functionCall part comes with an opaque `thoughtSignature`
 * that must be sent back, on the same part, when the call reappears in the history — or
 * Gemini answers 400. OpenAI's tool call has no such field, so the signature travels in
 * `extra_content.google.thought_signature` (the name Google's own OpenAI layer uses),
 * which clients keep because they echo the assistant message back as they received it.
 */
import type { ToolCall } from "../../openai/schemas";

/**
 * Google's documented placeholder for a replayed call that has no signature (history from
 * another model, or a client that dropped the field): validation is skipped instead of a 400.
 */
export const SKIP_SIGNATURE_VALIDATOR = "skip_thought_signature_validator";

/** The OpenAI tool call's `extra_content` carrying a Gemini signature. */
export function signatureExtraContent(signature: string): Record<string, unknown> {
  return { google: { thought_signature: signature } };
}

/** The signature an OpenAI tool call carries back, if any. */
export function thoughtSignatureOf(call: ToolCall): string | undefined {
  const extra = call.extra_content;
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
