import type { ChatRequest } from "../../openai/schemas";

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
  body.messages = request.messages.map((m) => (m.role === "developer" ? { ...m, role: "system" } : m));
  body.stream = true;
  body.stream_options = { include_usage: true };
  return body;
}
