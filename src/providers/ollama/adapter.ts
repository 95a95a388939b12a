/**
 * The native Ollama adapter: `/api/chat`, `/api/embed`, `/api/tags`. A thin shell that
 * wires the pure converters in this folder to `fetch`; timeouts, retries and fallback
 * stay with the router.
 */
import { completionId, type ChatChunk, type EmbeddingsResult, type ModelInfo } from "../../openai/responses";
import { decodeNdjson } from "../../streaming/decode";
import { UpstreamError } from "../failures";
import { asUpstreamError, readErrorBody, safeJson, upstreamFetch } from "../http";
import type { ChatCall, EmbedCall, ProviderAdapter, ProviderConfig } from "../types";
import { buildOllamaChatRequest, wantsJson } from "./build-request";
import { convertOllamaStream } from "./convert-stream";
import { buildOllamaEmbedRequest, parseOllamaEmbedResponse } from "./embeddings";
import { ollamaHeaders } from "./endpoints";
import { ollamaIncapability } from "./capabilities";
import { mapOllamaError } from "./map-error";
import { parseOllamaTags } from "./models";
import { probeOllama } from "./probe";

const JSON_HEADERS = { "Content-Type": "application/json" };

/**
 * POST/GET with the provider's headers. Redirects are not followed: behind Cloudflare
 * Access a redirect means the service token was refused, and following it would fetch a
 * login page.
 */
async function send(provider: ProviderConfig, path: string, signal: AbortSignal, body?: unknown, accept = "application/json"): Promise<Response> {
  const res = await upstreamFetch(`${provider.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: ollamaHeaders(provider, body === undefined ? { Accept: accept } : { ...JSON_HEADERS, Accept: accept }),
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
    signal,
  });
  if (res.status >= 200 && res.status < 300) return res;
  throw mapOllamaError(res.status, await readErrorBody(res), res.headers.get("retry-after"), Date.now());
}

/** A 2xx that is an HTML page came from something in front of Ollama, not from Ollama. */
function assertNotHtml(res: Response, path: string): void {
  if ((res.headers.get("content-type") ?? "").toLowerCase().includes("text/html")) {
    void res.body?.cancel().catch(() => {});
    throw new UpstreamError({ kind: "malformed", message: `${path} answered with an HTML page, not Ollama` });
  }
}

async function readJson(res: Response, signal: AbortSignal, path: string): Promise<unknown> {
  assertNotHtml(res, path);
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw asUpstreamError(err, signal);
  }
  const value = safeJson(text);
  if (value === undefined) throw new UpstreamError({ kind: "malformed", message: `${path} answered with invalid JSON` });
  return value;
}

/** Network failures while reading the body (reset, abort) become typed failures too. */
async function* guarded(source: AsyncIterable<ChatChunk>, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  try {
    yield* source;
  } catch (err) {
    throw asUpstreamError(err, signal);
  }
}

export const ollamaAdapter: ProviderAdapter = {
  kind: "ollama",

  incapable: ollamaIncapability,

  async chat(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const body = buildOllamaChatRequest(call.request, call.model);
    const res = await send(call.provider, "/api/chat", call.signal, body, "application/x-ndjson");
    assertNotHtml(res, "/api/chat");
    if (!res.body) throw new UpstreamError({ kind: "malformed", message: "/api/chat answered without a body" });
    const chunks = convertOllamaStream(decodeNdjson(res.body), {
      id: completionId(),
      created: Math.floor(Date.now() / 1000),
      model: call.model,
      stripJsonFence: wantsJson(call.request),
      onMalformed: call.onMalformed,
    });
    return guarded(chunks, call.signal);
  },

  async embed(call: EmbedCall): Promise<EmbeddingsResult> {
    const inputs = call.inputs;
    if (!inputs.every((i): i is string => typeof i === "string")) {
      throw new UpstreamError({ kind: "incapable", message: "Ollama /api/embed takes text, not token arrays" });
    }
    const body = buildOllamaEmbedRequest(call.model, inputs, call.request.dimensions);
    const res = await send(call.provider, "/api/embed", call.signal, body);
    return parseOllamaEmbedResponse(await readJson(res, call.signal, "/api/embed"), inputs);
  },

  async listModels(provider: ProviderConfig, signal: AbortSignal): Promise<ModelInfo[]> {
    const res = await send(provider, "/api/tags", signal);
    return parseOllamaTags(await readJson(res, signal, "/api/tags"), provider.name);
  },

  probe: probeOllama,
};
