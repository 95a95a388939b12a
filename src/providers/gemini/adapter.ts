/**
 * The native Google Gemini adapter: the shell that wires the pure converters to fetch.
 * Chat always streams upstream (`:streamGenerateContent?alt=sse`); the router aggregates
 * when the client asked for a single answer, so its timeouts apply to every call.
 */
import { completionId, type ChatChunk } from "../../openai/responses";
import { asUpstreamError, readErrorBody, upstreamFetch } from "../http";
import { UpstreamError } from "../failures";
import type { ChatCall, ProviderAdapter } from "../types";
import { buildGeminiChatRequest } from "./build-request";
import { geminiIncapability } from "./capabilities";
import { embedGemini } from "./embeddings";
import { geminiHeaders, geminiUrl, modelPath } from "./endpoints";
import { mapGeminiError } from "./map-error";
import { listGeminiModels } from "./models";
import { probeGemini } from "./probe";
import { convertGeminiStream } from "./convert-stream";

async function chat(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
  const body = buildGeminiChatRequest(call.request, call.model);
  const res = await upstreamFetch(geminiUrl(call.provider, `${modelPath(call.model)}:streamGenerateContent?alt=sse`), {
    method: "POST",
    headers: geminiHeaders(call.provider, true),
    body: JSON.stringify(body),
    signal: call.signal,
  });
  if (!res.ok) throw mapGeminiError(res.status, await readErrorBody(res), res.headers.get("retry-after"));
  if (!res.body) throw new UpstreamError({ kind: "malformed", message: "Gemini answered 2xx without a body" });
  return guarded(
    convertGeminiStream(res.body, { id: completionId(), created: Math.floor(Date.now() / 1000), model: call.model, onMalformed: (d) => call.onMalformed(d) }),
    call.signal,
  );
}

/** A read failing mid-stream (abort, reset) surfaces as the typed failure, never a bare Error. */
async function* guarded(chunks: AsyncGenerator<ChatChunk>, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  try {
    yield* chunks;
  } catch (err) {
    throw asUpstreamError(err, signal);
  }
}

export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",
  incapable: geminiIncapability,
  chat,
  embed: embedGemini,
  listModels: listGeminiModels,
  probe: probeGemini,
};
