/**
 * Where the router's CPU goes (issue 10): bundles it unminified, serves it with one bare
 * `workerd serve --inspector-addr`, drives one target with wrk (or the Node client) while
 * V8's sampling profiler runs over the inspector protocol, and prints self time by function
 * and by source file (esbuild's `// path` section comments map bundle lines to files).
 *
 * `npm run bench:profile` — PROFILE_TARGET=one-entry (default) | dead-closed | stream,
 * PROFILE_SECONDS (8), PROFILE_BUNDLE=dir (a prepared unminified bundle), PROFILE_TOP (40), PROFILE_OUT=file.cpuprofile to keep the profile
 * (DevTools opens it). The inspector's own cost inflates the totals; read it for shares.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deadAddress, freePort, startFakeUpstream } from "./fake-upstream.mjs";
import { findWrk, loadRun } from "./load.mjs";
import { CHAT, CLOSED_THRESHOLD, KEY, liftThresholdCap, routerVars } from "./targets.mjs";
import { bundle, ROOT, serve } from "./workerd.mjs";

const TARGET = process.env.PROFILE_TARGET ?? "one-entry";
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const TOP = Number(process.env.PROFILE_TOP ?? 40);

async function inspector(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const url = list[0]?.webSocketDebuggerUrl;
      if (url) return connect(url.replace("localhost", "127.0.0.1"));
    } catch {}
    if (Date.now() > deadline) throw new Error("workerd's inspector did not answer");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function connect(url) {
  const ws = new WebSocket(url);
  let id = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    msg.error ? p.reject(new Error(JSON.stringify(msg.error))) : p.resolve(msg.result);
  };
  const send = (method, params = {}) => new Promise((resolve, reject) => (pending.set(++id, { resolve, reject }), ws.send(JSON.stringify({ id, method, params }))));
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ send, close: () => ws.close() });
    ws.onerror = reject;
  });
}

/** Bundle line → source file, from esbuild's `// src/…` / `// node_modules/…` section comments. */
function sectionMap(bundleText) {
  const marks = [];
  bundleText.split("\n").forEach((line, i) => {
    const m = /^\/\/ ((?:src|node_modules|\.\.)\/\S+)$/.exec(line);
    if (m) marks.push([i, m[1].replace(/^node_modules\/([^/]+)\/.*$/, "node_modules/$1")]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) (found = marks[mid][1]), (lo = mid + 1);
      else hi = mid - 1;
    }
    return found;
  };
}

function summarize(profile, fileOf) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const d = dt[i] ?? 0;
    total += d;
    self.set(id, (self.get(id) ?? 0) + d);
  });
  const fns = new Map();
  const files = new Map();
  for (const [id, t] of self) {
    const f = byId.get(id).callFrame;
    const file = f.url.endsWith("index.js") ? fileOf(f.lineNumber) : f.url ? f.url.replace(/^.*\//, "") : `(${f.functionName || "native"})`;
    const key = `${f.functionName || "(anonymous)"}  ${file}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + t);
    files.set(file, (files.get(file) ?? 0) + t);
  }
  // Inclusive: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    const file = f.url.endsWith("index.js") ? fileOf(f.lineNumber) : f.url ? f.url.replace(/^.*\//, "") : `(${f.functionName || "native"})`;
    return `${f.functionName || "(anonymous)"}  ${file}:${f.lineNumber + 1}`;
  };
  const incl = new Map();
  for (const [id, t] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + t);
    }
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\nself time by file (${(total / 1e6).toFixed(2)} s sampled):`);
  for (const [k, t] of top(files, 30)) console.log(`${pct(t)}  ${k}`);
  console.log(`\nself time by function (top ${TOP}):`);
  for (const [k, t] of top(fns, TOP)) console.log(`${pct(t)}  ${k}`);
  console.log(`\ninclusive time by function (top ${TOP}):`);
  for (const [k, t] of top(incl, TOP)) console.log(`${pct(t)}  ${k}`);
}

async function main() {
  const workdir = mkdtempSync(join("/dev/shm", "bench-profile-"));
  const fake = await startFakeUpstream();
  let server;
  try {
    // PROFILE_BUNDLE: an unminified bundle directory made (and maybe patched) beforehand.
    const dir = join(workdir, "bundle");
    const router = bundle(join(ROOT, "wrangler.toml"), dir, ["--minify=false"]);
    if (process.env.PROFILE_BUNDLE) cpSync(process.env.PROFILE_BUNDLE, dir, { recursive: true });
    let vars = routerVars(fake.url, await deadAddress());
    if (TARGET === "dead-closed") {
      if (!liftThresholdCap(dir)) console.log("[bench:profile] threshold cap not found; the breaker may open");
      vars = { ...vars, BREAKER_FAILURE_THRESHOLD: CLOSED_THRESHOLD };
    }
    const model = { "one-entry": "mana/bench-one", "dead-closed": "mana/bench-dead-first", stream: "mana/bench-one" }[TARGET];
    if (!model) throw new Error(`PROFILE_TARGET: one-entry | dead-closed | stream, not ${TARGET}`);
    const inspectPort = await freePort();
    server = await serve(router, { name: "router", port: await freePort(), vars, workdir, extraArgs: [`--inspector-addr=127.0.0.1:${inspectPort}`] });
    const target = { id: TARGET, url: server.url, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: CHAT(model, TARGET === "stream") };
    const wrk = findWrk();
    const run = (seconds) => loadRun(wrk, target, { connections: 10, threads: 2, seconds, workdir });
    await run(2); // warm-up: JIT, Durable Objects, connections
    const ins = await inspector(inspectPort);
    await ins.send("Profiler.enable");
    await ins.send("Profiler.setSamplingInterval", { interval: 100 });
    await ins.send("Profiler.start");
    const res = await run(SECONDS);
    const { profile } = await ins.send("Profiler.stop");
    ins.close();
    console.log(`[bench:profile] ${TARGET}: ${res.requests} requests, ${res.rps.toFixed(0)} req/s under the profiler, ${res.errors + res.non2xx} errors`);
    if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    summarize(profile, sectionMap(readFileSync(join(dir, "index.js"), "utf8")));
  } finally {
    await server?.stop();
    await fake.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`[bench:profile] failed: ${err instanceof Error ? err.stack : err}`);
  process.exitCode = 1;
});
