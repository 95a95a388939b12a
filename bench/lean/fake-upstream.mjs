/**
 * A minimal OpenAI-compatible upstream for the lean bench (plain Node, loopback only).
 * POST …/chat/completions always answers an SSE stream (the router always streams upstream;
 * the pass-through forwards whatever it gets): a role chunk, 20 content chunks, a finish
 * chunk, a usage chunk, [DONE]. GET …/models lists one model. The stream is written in one
 * burst so the fake stays cheap next to the Worker under test; a model whose name
 * contains "drip" gets its first token at once and the rest 20 ms later, so the first-token
 * time is not hidden behind the whole body.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";

const TOKENS = Array.from({ length: 20 }, (_, i) => `tok${i} `);
const DRIP_DELAY_MS = 20;

function sseEvents(model) {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model };
  const chunk = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const events = [chunk({ role: "assistant", content: "" }), ...TOKENS.map((t) => chunk({ content: t })), chunk({}, "stop")];
  events.push({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: TOKENS.length, total_tokens: 11 + TOKENS.length } });
  return [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
}

async function readJson(req) {
  const parts = [];
  for await (const p of req) parts.push(p);
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8"));
  } catch {
    return {};
  }
}

async function handle(req, res) {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && path.endsWith("/models")) {
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify({ object: "list", data: [{ id: "ok", object: "model", created: 1700000000, owned_by: "bench" }] }));
  }
  if (req.method !== "POST" || !path.endsWith("/chat/completions")) {
    res.writeHead(404, { "content-type": "application/json" });
    return void res.end(JSON.stringify({ error: { message: `no route ${path}`, type: "invalid_request_error", code: null, param: null } }));
  }
  const body = await readJson(req);
  const model = typeof body.model === "string" ? body.model : "ok";
  const events = sseEvents(model);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  if (model.includes("drip")) {
    res.write(events[0] + events[1]);
    await new Promise((r) => setTimeout(r, DRIP_DELAY_MS));
    if (res.destroyed) return;
    return void res.end(events.slice(2).join(""));
  }
  res.end(events.join(""));
}

/** Starts the fake on an ephemeral 127.0.0.1 port. */
export async function startFakeUpstream() {
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A loopback port nobody listens on (bound, then released): connects to it are refused. */
export async function deadAddress() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

/** Another free loopback port, for a workerd socket. */
export async function freePort() {
  return Number(new URL(await deadAddress()).port);
}

/** Starts the fake in its own Node process (fake-upstream-process.mjs); resolves with its URL and a stop(). */
export async function startFakeUpstreamProcess() {
  const child = spawn(process.execPath, [new URL("./fake-upstream-process.mjs", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /FAKE_URL (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`fake upstream process exited ${code}`)));
  });
  return { url, close: () => new Promise((r) => (child.once("exit", () => r()), child.stdin.end())) };
}
