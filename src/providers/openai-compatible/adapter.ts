import type { ModelInfo } from "../../openai/responses";
import { decodeSse } from "../../streaming/decode";
import { UpstreamError } from "../failures";
import { readErrorBody, safeJson, upstreamFetch } from "../http";
import type { ProviderAdapter, ProviderConfig } from "../types";
import { mapOpenAIError } from "./map-error";
import { buildOpenAIChatRequest } from "./build-request";
import { convertOpenAIStream } from "./convert-stream";

function headers(p: ProviderConfig, json = true): Record<string, string> {
  const h: Record<string, string> = { accept: json ? "application/json" : "text/event-stream", ...p.headers };
  if (json) h["content-type"] = "application/json";
  if (p.apiKey) h.authorization = `Bearer ${p.apiKey}`;
  return h;
}

async function failIfNotOk(res: Response): Promise<void> {
  if (res.ok) return;
  const text = await readErrorBody(res);
  throw new UpstreamError(mapOpenAIError(res.status, text, res.headers.get("retry-after")));
}

/** Groq, OpenRouter, Together, OpenAI and any `kind: openai` provider: near pass-through. */
export const openAICompatibleAdapter: ProviderAdapter = {
  kind: "openai",

  incapable: () => undefined,

  async chat(call) {
    const { provider, model, request, signal } = call;
    const res = await upstreamFetch(`${provider.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { ...headers(provider), accept: "text/event-stream" },
      body: JSON.stringify(buildOpenAIChatRequest(request, model)),
      signal,
    });
    await failIfNotOk(res);
    if (!res.body) throw new UpstreamError({ kind: "malformed", message: "upstream answered without a body" });
    const type = res.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream")) {
      // A host that ignored stream:true and answered JSON: unreadable as a stream.
      await res.body.cancel().catch(() => {});
      throw new UpstreamError({ kind: "malformed", message: `expected an event stream, got ${type || "no content type"}` });
    }
    return convertOpenAIStream(decodeSse(res.body), call.onMalformed);
  },

  async embed({ provider, model, request, inputs, signal }) {
    const body: Record<string, unknown> = { model, input: inputs, encoding_format: "float" };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    const res = await upstreamFetch(`${provider.baseUrl}/embeddings`, { method: "POST", headers: headers(provider), body: JSON.stringify(body), signal });
    await failIfNotOk(res);
    const json = safeJson(await res.text()) as
      | { data?: Array<{ index?: number; embedding?: unknown }>; usage?: { prompt_tokens?: number; total_tokens?: number } }
      | undefined;
    const data = json?.data;
    if (!Array.isArray(data) || data.length !== inputs.length || !data.every((d) => Array.isArray(d.embedding)))
      throw new UpstreamError({ kind: "malformed", message: "embeddings response does not hold one vector per input" });
    const vectors = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding as number[]);
    const prompt = json?.usage?.prompt_tokens ?? 0;
    return { vectors, usage: { prompt_tokens: prompt, total_tokens: json?.usage?.total_tokens ?? prompt } };
  },

  async listModels(provider, signal) {
    const res = await upstreamFetch(`${provider.baseUrl}/models`, { headers: headers(provider), signal });
    await failIfNotOk(res);
    const json = safeJson(await res.text()) as { data?: Array<{ id?: unknown; created?: unknown }> } | undefined;
    if (!Array.isArray(json?.data)) throw new UpstreamError({ kind: "malformed", message: "models response has no data list" });
    return json.data
      .filter((m): m is { id: string; created?: unknown } => typeof m.id === "string")
      .map((m): ModelInfo => ({ id: `${provider.name}/${m.id}`, object: "model", created: typeof m.created === "number" ? m.created : 0, owned_by: provider.name }));
  },

  async probe(provider, signal) {
    const res = await upstreamFetch(`${provider.baseUrl}/models`, { headers: headers(provider), signal });
    await res.body?.cancel().catch(() => {});
    if (res.status === 401 || res.status === 403) return { alive: true, status: res.status, misconfigured: true, error: `credentials rejected (HTTP ${res.status})` };
    if (res.status >= 500) return { alive: false, status: res.status, error: `HTTP ${res.status}` };
    return { alive: true, status: res.status };
  },
};
