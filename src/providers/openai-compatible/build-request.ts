import type { ChatMessage, ChatRequest } from "../../openai/schemas";

/** Fields the router owns or that upstreams reject; everything else passes through untouched. */
const ROUTER_FIELDS = new Set(["model", "stream", "stream_options", "n"]);

/**
 * The upstream body: the client's request (tolerated extra fields included) with our model
 * id, always streaming with usage. `developer` becomes `system`, which every
 * OpenAI-compatible host understands.
 */
export function buildOpenAIChatRequest(request: ChatRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request)) if (!ROUTER_FIELDS.has(k) && v !== undefined) body[k] = v;
  body.model = model;
  body.messages = request.messages.map(capToolCallIds).map((m) => (m.role === "developer" ? { ...m, role: "system" } : m));
  body.stream = true;
  body.stream_options = { include_usage: true };
  return body;
}

/**
 * OpenAI rejects a tool call id longer than 40 characters. Longer ones (another provider's,
 * or the router's own Gemini ids that carry a thought signature) are shortened the same way
 * on the call and on its result, so the pair still matches.
 */
export const MAX_TOOL_CALL_ID = 40;

function capToolCallIds(m: ChatMessage): ChatMessage {
  if (m.role === "assistant" && m.tool_calls?.some((c) => c.id.length > MAX_TOOL_CALL_ID)) {
    return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: shortId(c.id) })) };
  }
  if (m.role === "tool" && m.tool_call_id.length > MAX_TOOL_CALL_ID) return { ...m, tool_call_id: shortId(m.tool_call_id) };
  return m;
}

/** The first 31 characters, `_`, and an 8-hex FNV-1a hash of the whole id: 40, deterministic. */
function shortId(id: string): string {
  if (id.length <= MAX_TOOL_CALL_ID) return id;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return `${id.slice(0, 31)}_${h.toString(16).padStart(8, "0")}`;
}
