/**
 * Common plumbing for the fake upstreams: a loopback HTTP server, an attempt log tests
 * read over HTTP (`GET /__log?model=<substring>`), and "once" bookkeeping per model name.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Fault } from "./faults";

export interface LogEntry {
  /** First path segment before the API path, e.g. "groq" for /groq/v1/chat/completions. */
  provider: string;
  method: string;
  path: string;
  /** The full URL path and query as received (tests assert secrets never appear in it). */
  url: string;
  model?: string;
  headers: Record<string, string>;
  body?: unknown;
  /** The client closed the connection before the fake finished answering. */
  aborted: boolean;
  /** Milliseconds since the fake started. */
  at: number;
  closedAt?: number;
}

export interface FakeContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  entry: LogEntry;
  body: unknown;
  /** True the first time this (fault, model name) pair is seen. */
  firstTime(key: string): boolean;
  /** The answer a test registered under `key` (POST /__script), for the `scripted:<key>` fault. */
  script(key: string): Script | undefined;
}

/**
 * A whole answer, byte for byte, registered by a test before it calls the Worker: the
 * hostile-upstream fuzz suite drives every fake with it. `chunks` are written one write
 * each (base64 when `encoding` says so); `end: "destroy"` cuts the socket after them.
 */
export interface Script {
  status: number;
  headers: Record<string, string>;
  chunks: string[];
  encoding?: "utf8" | "base64";
  end?: "end" | "destroy";
}

export type FakeHandler = (ctx: FakeContext) => Promise<void> | void;

export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

export async function startFake(name: string, handler: FakeHandler): Promise<FakeServer> {
  const log: LogEntry[] = [];
  const seen = new Set<string>();
  const firstTime = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const scripts = new Map<string, Script>();
  const started = Date.now();
  const sockets = new Set<import("node:net").Socket>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/__log") {
      const filter = url.searchParams.get("model") ?? "";
      const entries = log.filter((e) => !filter || (e.model ?? "").includes(filter) || e.url.includes(filter));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entries));
      return;
    }
    const raw = await readBody(req);
    if (url.pathname === "/__script" && req.method === "POST") {
      const { key, ...script } = JSON.parse(raw) as Script & { key: string };
      scripts.set(key, script);
      res.writeHead(204).end();
      return;
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const entry: LogEntry = {
      provider: url.pathname.split("/").filter(Boolean)[0] ?? "",
      method: req.method ?? "GET",
      path: url.pathname,
      url: req.url ?? "/",
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      aborted: false,
      at: Date.now() - started,
    };
    log.push(entry);
    res.on("close", () => {
      entry.closedAt = Date.now() - started;
      if (!res.writableFinished) entry.aborted = true;
    });
    try {
      await handler({ req, res, entry, body, firstTime, script: (key) => scripts.get(key) });
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      if (!res.writableEnded) res.end(JSON.stringify({ error: { message: `fake ${name} crashed: ${String(err)}` } }));
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Resolves when the client goes away, so "silent" handlers never outlive their request. */
export function untilClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => (res.destroyed ? resolve() : res.on("close", () => resolve())));
}

/**
 * The faults below the API, shared by every fake: `close[:once]` destroys the socket before
 * answering (a reset), `silent` accepts and never answers, `scripted:<key>` answers the
 * registered Script verbatim. True when it handled the request.
 */
export async function transportFault(ctx: FakeContext, f: Fault, model: string): Promise<boolean> {
  if (f.name === "scripted") {
    const script = ctx.script(f.args[0] ?? "");
    if (!script) return false;
    await playScript(ctx.res, script);
    return true;
  }
  if (f.name === "close") {
    if (f.args[0] === "once" && !ctx.firstTime(`close:${model}`)) return false;
    ctx.req.socket.destroy();
    return true;
  }
  if (f.name === "silent") {
    await untilClosed(ctx.res);
    return true;
  }
  return false;
}

async function playScript(res: http.ServerResponse, script: Script): Promise<void> {
  res.writeHead(script.status, script.headers);
  for (const chunk of script.chunks) {
    if (res.destroyed) return;
    const bytes = Buffer.from(chunk, script.encoding ?? "utf8");
    // Wait for each write, so a chunk boundary is (usually) a read boundary in the Worker.
    await new Promise<void>((resolve) => res.write(bytes, () => resolve()));
  }
  if (script.end === "destroy") res.socket?.destroy();
  else res.end();
}
