/** Chunk builders and a client-side transport for the Responses front end's unit tests. */
import type { ChatChunk, ChatCompletion, ChunkDelta, FinishReason, ToolCallDelta, Usage } from "../../src/openai/responses";
import { frameResponsesEvent, type ResponseMeta, type ResponseObject, type ResponseStreamEvent } from "../../src/openai/responses-api";

export const META: ResponseMeta = { id: "resp_abc", createdAt: 1_700_000_000, model: "ollama/gemma3:4b" };

export function chunk(delta: ChunkDelta, finish: FinishReason | null = null, usage?: Usage): ChatChunk {
  return { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) };
}

export const text = (content: string, finish: FinishReason | null = null) => chunk({ content }, finish);
export const tool = (...calls: ToolCallDelta[]) => chunk({ tool_calls: calls });
export const usageChunk = (usage: Usage): ChatChunk => ({ ...chunk({}), choices: [], usage });

export function completion(content: string | null, opts: { finish?: FinishReason; calls?: Array<{ id: string; name: string; arguments: string }>; usage?: Usage } = {}): ChatCompletion {
  const calls = opts.calls?.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } }));
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content, ...(calls ? { tool_calls: calls } : {}), refusal: null }, finish_reason: opts.finish ?? "stop", logprobs: null }],
    ...(opts.usage ? { usage: opts.usage } : {}),
  };
}

/** The SSE body a client would read, split into one network chunk per event. */
export function sseBody(events: ResponseStreamEvent[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      const utf8 = new TextEncoder();
      for (const e of events) controller.enqueue(utf8.encode(frameResponsesEvent(e)));
      controller.close();
    },
  });
}

/**
 * A fetch that answers every call with what the router would send — JSON or SSE — and records
 * the request bodies: the real SDK parsers run on our real output, only the socket is skipped.
 */
export function answering(body: () => ResponseObject | ResponseStreamEvent[]) {
  const requests: unknown[] = [];
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    requests.push(JSON.parse(String(init?.body ?? "null")));
    const b = body();
    if (Array.isArray(b)) return new Response(sseBody(b), { headers: { "content-type": "text/event-stream" } });
    return new Response(JSON.stringify(b), { headers: { "content-type": "application/json" } });
  };
  return { fetch, requests };
}
