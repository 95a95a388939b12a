/**
 * A fake Ollama speaking the native API as a real server does: `/api/chat` as NDJSON
 * (`stream` defaults to true) or one JSON object (`stream: false`), `done_reason`,
 * `prompt_eval_count`/`eval_count`, tool calls with object arguments, `/api/embed`,
 * `/api/tags`, `/api/version`, `{"error": "…"}` bodies and in-stream error lines.
 *
 * Faults are chosen by the model name exactly as for the OpenAI-compatible fake
 * (test/fakes/faults.ts: status:<code>[:once], retry-after:<s>, close[:once], silent,
 * headers-silent, slow-first:<ms>, cut:<n>, stall:<n>, malformed, stream-error:<n>,
 * context-length, bad-request, unknown-model, empty, pace:<ms>), plus Ollama's own:
 *
 *   length             done_reason "length" after the answer
 *   fenced             a JSON answer wrapped in a ```json fence
 *   oom                500 "model requires more system memory …"
 *   no-count           /api/embed without prompt_eval_count (older Ollama)
 *   replay:<fixture>   streams test/fixtures/ollama/<fixture>.ndjson verbatim
 *   cold:<ms>          not in memory (absent from /api/ps) until loaded: the first /api/chat,
 *                      /api/embed or /api/generate on an instance starts a load of <ms>; every
 *                      request for it answers only once the load is done, then it is listed
 *   hold[:<n>]         streams n tokens (default 1), then holds the answer open until
 *                      `POST /__release?model=<name>`; a slow GPU that tests finish on cue
 *
 * There is no `tools` fault: as with Ollama, a request offering tools (and not ending
 * in a tool result) is answered with a call to the first tool, whole, with object
 * arguments; a request ending in a tool result is answered "The tool said: <result>".
 *
 * Model names contain `:` (qwen2.5:7b), which parseFault reads as an unknown fault
 * ("ok"). To give a real model family a fault, join them with `+`:
 * `qwen2.5:7b+stream-error:1@<tag>` is a tool-capable qwen2.5 that fails mid-stream.
 *
 * Like Ollama, it answers 400 "… does not support tools" to tools for gemma/llava/
 * embedding families, 400 to images that are not plain base64 and to tool-call
 * arguments that are not objects, and 403 to any request carrying an Origin header.
 *
 * An optional first path segment sets a mode for every route (OLLAMA_URL = `<fake>/<mode>`):
 *   /access/…   Cloudflare Access in front: without CF-Access-Client-Id/Secret equal to
 *               ACCESS_ID/ACCESS_SECRET it redirects to the Access login page (302)
 *   /bearer/…   requires `Authorization: Bearer <OLLAMA_FAKE_KEY>`, else 401
 *   /down/…     every route answers 502 as cloudflared does when the origin is gone
 *   /<other>/…  no change in behaviour, but its own memory: each first segment is a separate
 *               GPU for `/api/ps` and cold loads, so tests never share loaded models
 *
 * Memory, as Ollama's: `/api/ps` lists the `inMemory` models (every /api/tags model unless
 * the options say otherwise) plus every model this instance has served or loaded; a model
 * loads when first asked for. `POST /api/generate {"model"}` without a prompt only loads it
 * (every call is in the attempt log, so tests count warm-ups).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterPrefill, fakeVector, parseFault, plannedTokens, prefillOf, sleep, type Fault } from "./faults";
import { transportFault, sendJson, startFake, untilClosed, type FakeContext, type FakeServer } from "./server";

export const ACCESS_ID = "fake-access-id.access";
export const ACCESS_SECRET = "fake-access-secret";
export const OLLAMA_FAKE_KEY = "ollama-fake-key";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/ollama");

/** What `/api/tags` lists. */
const FAKE_OLLAMA_MODELS = [
  { name: "qwen2.5:7b", modified_at: "2025-10-02T18:21:47.390716917+02:00", family: "qwen2" },
  { name: "gemma3:12b", modified_at: "2025-09-14T09:05:12.118203441+02:00", family: "gemma3" },
  { name: "llava:7b", modified_at: "2025-07-01T10:00:00.5+02:00", family: "llama" },
  { name: "nomic-embed-text:latest", modified_at: "2025-08-30T12:00:00Z", family: "nomic-bert" },
];

export interface FakeOllamaOptions {
  /** Pause after every streamed token, as a real GPU does (the demo shows tokens arriving); `pace:<ms>` still wins. */
  paceMs?: number;
  /** Models every instance has in memory from the start (default: all /api/tags models). */
  inMemory?: readonly string[];
}

/** One simulated GPU per first path segment: what it has in memory, and the loads under way. */
interface Memory {
  loaded: Set<string>;
  loading: Map<string, Promise<void>>;
}

interface FakeState {
  options: FakeOllamaOptions;
  memories: Map<string, Memory>;
  /** `hold` models released by the test, and the answers waiting for it. */
  released: Set<string>;
  holders: Map<string, (() => void)[]>;
}

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeServer> {
  const state: FakeState = { options, memories: new Map(), released: new Set(), holders: new Map() };
  return startFake("ollama", (ctx) => handle(ctx, state));
}

function memoryOf(state: FakeState, instance: string): Memory {
  let m = state.memories.get(instance);
  if (!m) {
    m = { loaded: new Set(state.options.inMemory ?? FAKE_OLLAMA_MODELS.map((x) => x.name)), loading: new Map() };
    state.memories.set(instance, m);
  }
  return m;
}

/** Resolves once `model` is in memory; a `cold:<ms>` model loads once, whoever asks first. */
function ensureLoaded(memory: Memory, model: string, f: Fault): Promise<void> {
  if (memory.loaded.has(model)) return Promise.resolve();
  if (f.name !== "cold") {
    memory.loaded.add(model);
    return Promise.resolve();
  }
  let load = memory.loading.get(model);
  if (!load) {
    load = sleep(Number(f.args[0] ?? 0)).then(() => {
      memory.loaded.add(model);
      memory.loading.delete(model);
    });
    memory.loading.set(model, load);
  }
  return load;
}

function release(state: FakeState, model: string): void {
  state.released.add(model);
  for (const go of state.holders.get(model) ?? []) go();
  state.holders.delete(model);
}

function held(state: FakeState, model: string): Promise<void> {
  if (state.released.has(model)) return Promise.resolve();
  return new Promise((resolve) => state.holders.set(model, [...(state.holders.get(model) ?? []), resolve]));
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: string; images?: unknown; tool_calls?: Array<{ function?: { name?: string; arguments?: unknown } }> }>;
  stream?: boolean;
  tools?: Array<{ function?: { name?: string } }>;
  format?: unknown;
  options?: Record<string, unknown>;
}

async function handle(ctx: FakeContext, state: FakeState): Promise<void> {
  const { entry, res, req } = ctx;
  const { options } = state;
  const body = (ctx.body ?? {}) as ChatBody & { input?: unknown };
  const model = typeof body.model === "string" ? body.model : "";
  // Logged before any mode check, so tests find refused requests by model name too.
  if (model) entry.model = model;
  const segments = entry.path.split("/").filter(Boolean);
  const mode = segments[0] === "api" ? "" : (segments.shift() ?? "");
  const path = `/${segments.join("/")}`;
  if (req.method === "POST" && entry.path === "/__release") {
    release(state, new URL(entry.url, "http://fake").searchParams.get("model") ?? "");
    return sendJson(res, 200, { released: true });
  }
  const memory = memoryOf(state, mode);

  if (entry.headers.origin !== undefined) {
    // Ollama refuses browser origins it was not told to allow.
    res.writeHead(403).end();
    return;
  }
  if (mode === "down") {
    res.writeHead(502, { "content-type": "text/html" }).end("<!DOCTYPE html><html><body>Bad gateway: the origin is unreachable</body></html>");
    return;
  }
  if (mode === "access" && (entry.headers["cf-access-client-id"] !== ACCESS_ID || entry.headers["cf-access-client-secret"] !== ACCESS_SECRET)) {
    res.writeHead(302, { location: "https://team.cloudflareaccess.com/cdn-cgi/access/login/gpu.example.com" }).end();
    return;
  }
  if (mode === "bearer" && entry.headers.authorization !== `Bearer ${OLLAMA_FAKE_KEY}`) {
    return sendJson(res, 401, { error: "unauthorized" });
  }

  if (req.method === "GET" && path === "/api/tags") return tags(ctx);
  if (req.method === "GET" && path === "/api/ps") return ps(ctx, memory);
  if (req.method === "POST" && path === "/api/generate") return generate(ctx, memory, model);
  if (req.method === "GET" && path === "/api/version") return sendJson(res, 200, { version: "0.12.6" });
  if ((req.method === "GET" || req.method === "HEAD") && path === "/") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("Ollama is running");
    return;
  }
  if (req.method === "POST" && (path === "/api/chat" || path === "/api/embed") && model) await ensureLoaded(memory, model, faultOf(model));
  if (req.method === "POST" && path === "/api/chat") return chat(ctx, body, model, options, state);
  if (req.method === "POST" && path === "/api/embed") return embed(ctx, body, model);
  res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found");
}

/** `qwen2.5:7b+cut:2@t` → the fault `cut:2@t`; a plain name is its own fault spec. */
function faultOf(model: string): Fault {
  const plus = model.indexOf("+");
  return parseFault(plus >= 0 ? model.slice(plus + 1) : model);
}

function takesTools(model: string): boolean {
  return !/^(gemma|llava|nomic-embed|all-minilm|llama3:|llama2|phi3)/i.test(model);
}

/** Faults that answer before any stream; true when it answered. */
async function preAnswerFault(ctx: FakeContext, model: string, f: Fault): Promise<boolean> {
  const { res } = ctx;
  if (await transportFault(ctx, f, model)) return true;
  switch (f.name) {
    case "status": {
      const code = Number(f.args[0]);
      if (f.args[1] === "once" && !ctx.firstTime(`status:${model}`)) return false;
      sendJson(res, code, { error: `fake failure ${code}` });
      return true;
    }
    case "retry-after": {
      const headers: Record<string, string> = f.args[0] && f.args[0] !== "none" ? { "retry-after": f.args[0] } : {};
      sendJson(res, 429, { error: "server busy, please try again.  maximum pending requests exceeded" }, headers);
      return true;
    }
    case "unknown-model":
      sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
      return true;
    case "context-length":
      sendJson(res, 400, { error: "the input length exceeds the context length" });
      return true;
    case "bad-request":
      sendJson(res, 400, { error: "invalid options: num_thread" });
      return true;
    case "oom":
      sendJson(res, 500, { error: "model requires more system memory (21.5 GiB) than is available (15.2 GiB)" });
      return true;
  }
  return false;
}

/** Rejects what a real Ollama rejects; true when it answered. */
function invalidChat(ctx: FakeContext, body: ChatBody, model: string): boolean {
  const { res } = ctx;
  if (!Array.isArray(body.messages)) {
    sendJson(res, 400, { error: "messages is required" });
    return true;
  }
  if (body.tools?.length && !takesTools(model)) {
    sendJson(res, 400, { error: `registry.ollama.ai/library/${model} does not support tools` });
    return true;
  }
  for (const m of body.messages) {
    if (m.images !== undefined && (!Array.isArray(m.images) || m.images.some((i) => typeof i !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(i)))) {
      sendJson(res, 400, { error: "illegal base64 data at input byte 4" });
      return true;
    }
    for (const tc of m.tool_calls ?? []) {
      const args = tc.function?.arguments;
      if (args === null || typeof args !== "object" || Array.isArray(args)) {
        sendJson(res, 400, { error: "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments" });
        return true;
      }
    }
  }
  return false;
}

/** What the fake model says: a tool call when tools are offered fresh, else text. */
function plan(body: ChatBody, model: string, f: Fault): { tokens: string[]; toolCall?: { name: string; arguments: Record<string, unknown> } } {
  const last = body.messages?.at(-1);
  const tool = body.tools?.[0]?.function?.name;
  if (tool && last?.role !== "tool") return { tokens: [], toolCall: { name: tool, arguments: { city: "Köln", unit: "celsius" } } };
  if (f.name === "empty") return { tokens: [] };
  if (last?.role === "tool") return { tokens: ["The", " tool", " said", ": ", String(last.content ?? "")] };
  if (body.format !== undefined) {
    const json = JSON.stringify({ answer: `Hello from ollama ${model}` });
    const parts = [json.slice(0, 3), json.slice(3, 12), json.slice(12)];
    return { tokens: f.name === "fenced" ? ["```", "json", "\n", ...parts, "\n", "```"] : parts };
  }
  return { tokens: afterPrefill(plannedTokens("ollama", model, body.messages), prefillOf(body.messages)) };
}

function line(model: string, message: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: "assistant", content: "", ...message }, done: false, ...extra })}\n`;
}

function finalFields(doneReason: string, prompt: number, evalCount: number): Record<string, unknown> {
  return {
    done: true,
    done_reason: doneReason,
    total_duration: 412873500,
    load_duration: 21053917,
    prompt_eval_count: prompt,
    prompt_eval_duration: 38127000,
    eval_count: evalCount,
    eval_duration: 351205000,
  };
}

const PROMPT_TOKENS = 17;

async function chat(ctx: FakeContext, body: ChatBody, model: string, options: FakeOllamaOptions, state: FakeState): Promise<void> {
  const { res } = ctx;
  const f = faultOf(model);
  if (await preAnswerFault(ctx, model, f)) return;
  if (invalidChat(ctx, body, model)) return;
  if (f.name === "replay") return replay(ctx, f.args[0] ?? "");

  const { tokens, toolCall } = plan(body, model, f);
  const doneReason = f.name === "length" ? "length" : "stop";
  const evalCount = toolCall ? 12 : tokens.length;

  if (body.stream === false) {
    const content = tokens.join("");
    const message = { role: "assistant", content, ...(toolCall ? { tool_calls: [{ function: toolCall }] } : {}) };
    return sendJson(res, 200, { model, created_at: new Date().toISOString(), message, ...finalFields(doneReason, PROMPT_TOKENS, evalCount) });
  }

  res.writeHead(200, { "content-type": "application/x-ndjson" });
  if (f.name === "headers-silent") return untilClosed(res);
  if (f.name === "slow-first") await sleep(Number(f.args[0] ?? 0));

  if (toolCall) {
    res.write(line(model, { tool_calls: [{ function: toolCall }] }));
  }
  for (let i = 0; i < tokens.length; i++) {
    if (res.destroyed) return;
    if (f.name === "cut" && i === Number(f.args[0] ?? 1)) return void res.end();
    if (f.name === "stall" && i === Number(f.args[0] ?? 1)) return untilClosed(res);
    if (f.name === "hold" && i === Number(f.args[0] ?? 1)) await Promise.race([held(state, model), untilClosed(res)]);
    if (f.name === "stream-error" && i === Number(f.args[0] ?? 1)) {
      res.write(`${JSON.stringify({ error: "an error was encountered while running the model: unexpected EOF" })}\n`);
      return void res.end();
    }
    if (f.name === "malformed" && i === 2) res.write(`{"model":"${model}","created_at":"2025-11-20T13:00:00.15\n`);
    res.write(line(model, { content: tokens[i] }));
    const paceMs = f.name === "pace" ? Number(f.args[0] ?? 0) : (options.paceMs ?? 0);
    if (paceMs > 0) await sleep(paceMs);
  }
  res.end(`${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: "assistant", content: "" }, ...finalFields(doneReason, PROMPT_TOKENS, evalCount) })}\n`);
}

function replay(ctx: FakeContext, fixture: string): void {
  const { res } = ctx;
  if (!/^[a-z0-9-]+$/.test(fixture)) return void sendJson(res, 400, { error: `fake: bad fixture name ${fixture}` });
  const text = readFileSync(join(FIXTURES, `${fixture}.ndjson`), "utf8");
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  // Every line in its own write, the last one split mid-line: the client must reassemble.
  const lines = text.split(/(?<=\n)/);
  for (const l of lines.slice(0, -1)) res.write(l);
  const last = lines.at(-1) ?? "";
  res.write(last.slice(0, Math.floor(last.length / 2)));
  res.end(last.slice(Math.floor(last.length / 2)));
}

async function embed(ctx: FakeContext, body: { input?: unknown }, model: string): Promise<void> {
  const { res } = ctx;
  const f = faultOf(model);
  if (await preAnswerFault(ctx, model, f)) return;
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  if (!inputs.every((i): i is string => typeof i === "string")) return sendJson(res, 400, { error: "invalid input type" });
  const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
  sendJson(res, 200, {
    model,
    embeddings: inputs.map((t) => fakeVector(t)),
    total_duration: 14143917,
    load_duration: 1019500,
    ...(f.name === "no-count" ? {} : { prompt_eval_count: tokens }),
  });
}

/** `/api/ps`: what this instance has in memory. */
function ps(ctx: FakeContext, memory: Memory): void {
  const until = new Date(Date.now() + 5 * 60_000).toISOString();
  sendJson(ctx.res, 200, {
    models: [...memory.loaded].map((name) => ({ name, model: name, size: 6591830464, digest: "a2af6cc3eb7f", details: { format: "gguf" }, expires_at: until, size_vram: 6591830464 })),
  });
}

/** `/api/generate` without a prompt loads the model, as Ollama does, and says so once it is in memory. */
async function generate(ctx: FakeContext, memory: Memory, model: string): Promise<void> {
  const body = (ctx.body ?? {}) as { prompt?: unknown };
  if (!model) return sendJson(ctx.res, 400, { error: "model is required" });
  if (typeof body.prompt === "string" && body.prompt.length > 0) return sendJson(ctx.res, 400, { error: "fake: only loading (no prompt) is supported" });
  const f = faultOf(model);
  if (await preAnswerFault(ctx, model, f)) return;
  await ensureLoaded(memory, model, f);
  if (ctx.res.destroyed) return;
  sendJson(ctx.res, 200, { model, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
}

function tags(ctx: FakeContext): void {
  sendJson(ctx.res, 200, {
    models: FAKE_OLLAMA_MODELS.map((m) => ({
      name: m.name,
      model: m.name,
      modified_at: m.modified_at,
      size: 4683087332,
      digest: "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e",
      details: { parent_model: "", format: "gguf", family: m.family, families: [m.family], parameter_size: "7.6B", quantization_level: "Q4_K_M" },
    })),
  });
}
