/**
 * The lean bench's floor: what DESIGN.md obliges any router to do for one non-streaming chat
 * request, in its leanest form, and nothing more. A key checked with one digest (§ HTTP
 * contract, § Cost per request), the body parsed and validated with the router's own schema
 * (§ Request path 1), the upstream called in streaming mode with one watchdog timer (§ Request
 * path 4), every event parsed and the answer aggregated (§ Request path 5), one JSON answer;
 * streamed, the head held until the first content chunk and every event parsed and re-encoded
 * (§ Request path 6).
 * No Hono, no alias resolution, no breaker, no metrics, no request id, no error mapping beyond
 * a bare status. Its CPU per request bounds what the router could reach (issue 10).
 */
import "../../src/lib/zod-locale";
import { chatRequestSchema } from "../../src/openai/schemas";

interface FloorEnv {
  UPSTREAM_URL: string;
  API_KEYS: string;
}

const encoder = new TextEncoder();
const digest = (text: string) => crypto.subtle.digest("SHA-256", encoder.encode(text));
let keyDigest: Promise<ArrayBuffer> | undefined;

const fail = (status: number, message: string) =>
  new Response(JSON.stringify({ error: { message, type: "invalid_request_error", code: null, param: null } }), { status, headers: { "content-type": "application/json" } });

interface Aggregate {
  id: string;
  created: number;
  content: string;
  finish: unknown;
  usage: unknown;
}

function addEvent(data: string, into: Aggregate): boolean {
  if (data === "[DONE]") return true;
  const json = JSON.parse(data);
  into.id ||= json.id;
  into.created ||= json.created;
  if (json.usage) into.usage = json.usage;
  const choice = json.choices?.[0];
  if (typeof choice?.delta?.content === "string") into.content += choice.delta.content;
  if (choice?.finish_reason) into.finish = choice.finish_reason;
  return false;
}

export default {
  async fetch(request, env) {
    keyDigest ??= digest(env.API_KEYS);
    const presented = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!presented || !crypto.subtle.timingSafeEqual(await digest(presented), await keyDigest)) return fail(401, "Invalid API key");
    const parsed = chatRequestSchema.safeParse(JSON.parse(await request.text()));
    if (!parsed.success) return fail(400, "Invalid request");

    const abort = new AbortController();
    // One watchdog for the whole call; a streamed answer clears it when its body ends.
    const watchdog = setTimeout(() => abort.abort(), 10_000);
    try {
      const upstream = await fetch(`${env.UPSTREAM_URL}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-floor" },
        // The bench's two aliases, resolved by hand: mana/bench-drip → drip, anything else → ok.
        body: JSON.stringify({ ...parsed.data, model: parsed.data.model === "mana/bench-drip" ? "drip" : "ok", stream: true }),
        signal: abort.signal,
      });
      if (!upstream.ok || !upstream.body) {
        clearTimeout(watchdog);
        return fail(502, `upstream answered ${upstream.status}`);
      }
      const reader = upstream.body.getReader();
      if (parsed.data.stream === true) return streamed(reader, () => clearTimeout(watchdog));
      const decoder = new TextDecoder();
      const answer: Aggregate = { id: "", created: 0, content: "", finish: null, usage: undefined };
      let buffer = "";
      let done = false;
      while (!done) {
        const read = await reader.read();
        if (read.done) break;
        buffer += decoder.decode(read.value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end !== -1 && !done; end = buffer.indexOf("\n\n")) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith("data: ")) done = addEvent(event.slice(6), answer);
        }
      }
      if (done) await reader.cancel();
      clearTimeout(watchdog);
      const body = {
        id: answer.id,
        object: "chat.completion",
        created: answer.created,
        model: "groq/ok",
        choices: [{ index: 0, message: { role: "assistant", content: answer.content }, finish_reason: answer.finish }],
        usage: answer.usage,
      };
      return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
    } catch (err) {
      clearTimeout(watchdog);
      throw err;
    }
  },
} satisfies ExportedHandler<FloorEnv>;

/** The events of one read, parsed and re-encoded (what a router must do to see errors and finishes). */
function reencode(text: string, state: { buffer: string; done: boolean; content: boolean }): string {
  state.buffer += text;
  let out = "";
  for (let end = state.buffer.indexOf("\n\n"); end !== -1 && !state.done; end = state.buffer.indexOf("\n\n")) {
    const event = state.buffer.slice(0, end);
    state.buffer = state.buffer.slice(end + 2);
    if (!event.startsWith("data: ")) continue;
    const data = event.slice(6);
    if (data === "[DONE]") {
      state.done = true;
      out += "data: [DONE]\n\n";
      continue;
    }
    const json = JSON.parse(data);
    if (typeof json.choices?.[0]?.delta?.content === "string" && json.choices[0].delta.content !== "") state.content = true;
    out += `data: ${JSON.stringify({ ...json, model: "groq/ok" })}\n\n`;
  }
  return out;
}

async function streamed(reader: ReadableStreamDefaultReader<Uint8Array>, stop: () => void): Promise<Response> {
  const decoder = new TextDecoder();
  const state = { buffer: "", done: false, content: false };
  // The head waits for the first content chunk.
  let head = "";
  while (!state.content && !state.done) {
    const read = await reader.read();
    if (read.done) break;
    head += reencode(decoder.decode(read.value, { stream: true }), state);
  }
  const body = new ReadableStream<Uint8Array>(
    {
      start: (controller) => controller.enqueue(encoder.encode(head)),
      async pull(controller) {
        for (;;) {
          const read = state.done ? { done: true as const } : await reader.read();
          if (read.done) {
            stop();
            controller.close();
            return;
          }
          const out = reencode(decoder.decode(read.value, { stream: true }), state);
          if (out) return controller.enqueue(encoder.encode(out));
        }
      },
      cancel() {
        stop();
        return reader.cancel();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
