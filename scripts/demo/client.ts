/**
 * What the demo sends the router: OpenAI chat requests (JSON and streamed), /v1/health and
 * the local cron trigger. Every call is bounded, so a wedged Worker fails the step instead
 * of hanging the demo.
 */

export interface ChatAnswer {
  status: number;
  resolved: string | null;
  attempts: string | null;
  content: string;
  ms: number;
}

export interface StreamAnswer extends ChatAnswer {
  /** Milliseconds from the request to each content token. */
  tokenTimes: number[];
  done: boolean;
}

export interface ProviderHealth {
  status: string;
  state: string;
  consecutive_failures: number;
  last_error: string | null;
  last_transition: { from: string; to: string; cause: string; source: string } | null;
}

const CALL_TIMEOUT_MS = 10_000;

function chatBody(model: string, text: string, stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: "user", content: text }] });
}

export async function chatJson(base: string, model: string, text: string): Promise<ChatAnswer> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody(model, text, false),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }>; error?: { message?: string } };
  return {
    status: res.status,
    resolved: res.headers.get("x-mana-llm-resolved"),
    attempts: res.headers.get("x-mana-llm-attempts"),
    content: body.choices?.[0]?.message?.content ?? body.error?.message ?? "",
    ms: performance.now() - started,
  };
}

/** Streams a chat answer, calling onToken for each content delta as it arrives. */
export async function chatStream(base: string, model: string, text: string, onToken: (t: string) => void): Promise<StreamAnswer> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody(model, text, true),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const answer: StreamAnswer = {
    status: res.status,
    resolved: res.headers.get("x-mana-llm-resolved"),
    attempts: res.headers.get("x-mana-llm-attempts"),
    content: "",
    ms: 0,
    tokenTimes: [],
    done: false,
  };
  if (!res.body) return answer;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") {
          answer.done = true;
          continue;
        }
        const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> };
        const token = parsed.choices?.[0]?.delta?.content;
        if (token) {
          answer.content += token;
          answer.tokenTimes.push(performance.now() - started);
          onToken(token);
        }
      }
    }
  }
  answer.ms = performance.now() - started;
  return answer;
}

export async function providerHealth(base: string): Promise<Record<string, ProviderHealth>> {
  const res = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  const body = (await res.json()) as { providers?: Record<string, ProviderHealth> };
  return body.providers ?? {};
}

/** The local cron trigger: wrangler dev answers once the scheduled handler has finished. */
export async function triggerCron(base: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/cdn-cgi/handler/scheduled`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  await res.body?.cancel();
  return { status: res.status, ms: performance.now() - started };
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function pollFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 150): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
