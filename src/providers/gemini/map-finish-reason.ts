/**
 * Gemini `finishReason` → what the router should make of it. Only a normal stop and the
 * token limit are answers; policy stops are "blocked" (422, never an empty success), and
 * every other reason — including ones Google adds later — is an upstream error, since an
 * answer that stopped for an unknown reason cannot be presented as complete.
 */
export type GeminiFinish = { kind: "finish"; reason: "stop" | "length" } | { kind: "blocked"; reason: string } | { kind: "error"; reason: string; message: string };

const BLOCKED = new Set(["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "SPII", "BLOCKLIST", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"]);

const ERRORS: Record<string, string> = {
  MALFORMED_FUNCTION_CALL: "Gemini generated a malformed function call",
  UNEXPECTED_TOOL_CALL: "Gemini called a tool although none was enabled",
  TOO_MANY_TOOL_CALLS: "Gemini made too many consecutive tool calls",
  MISSING_THOUGHT_SIGNATURE: "Gemini rejected the history: a function call lacks its thought signature",
  LANGUAGE: "Gemini stopped: the language is not supported",
};

export function mapGeminiFinishReason(reason: string): GeminiFinish {
  if (reason === "STOP") return { kind: "finish", reason: "stop" };
  if (reason === "MAX_TOKENS") return { kind: "finish", reason: "length" };
  if (BLOCKED.has(reason)) return { kind: "blocked", reason };
  return { kind: "error", reason, message: ERRORS[reason] ?? `Gemini stopped with finish reason ${reason}` };
}
