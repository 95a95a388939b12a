/**
 * Ablation helper for profiling (issue 10): serves already-bundled router directories (from
 * `wrangler deploy --dry-run --outdir`, possibly patched by hand) side by side with the
 * pass-through, and prints CPU per request and req/s for each, alternating rounds.
 * `node bench/lean/ablate.mjs <bundle-dir> [<bundle-dir> …]`; ABLATE_MODEL (mana/bench-one),
 * ABLATE_SECONDS (4), ABLATE_ROUNDS (3), ABLATE_STREAM=1 for a streamed request, ABLATE_FLOOR=1 to add
 * the floor Worker (bench/floor-worker).
 * ABLATE_FIRST_TOKEN=n: instead, the streamed first token (the drip models) of every bundle and
 * the pass-through, all served by one workerd process: n samples in a random order, then
 * blocks of 50 back to back; medians and what each bundle adds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { deadAddress, freePort, startFakeUpstream } from "./fake-upstream.mjs";
import http from "node:http";
import { findWrk, firstTokenSample, loadRun, quantile } from "./load.mjs";
import { CHAT, KEY, routerVars } from "./targets.mjs";
import { bundle, cpuSeconds, ROOT, serve, serveMany } from "./workerd.mjs";

const SECONDS = Number(process.env.ABLATE_SECONDS ?? 4);
const ROUNDS = Number(process.env.ABLATE_ROUNDS ?? 3);
const MODEL = process.env.ABLATE_MODEL ?? "mana/bench-one";

async function main() {
  const dirs = process.argv.slice(2).map((d) => resolve(d));
  const workdir = mkdtempSync(join("/dev/shm", "bench-ablate-"));
  const fake = await startFakeUpstream();
  const servers = [];
  try {
    const base = bundle(join(ROOT, "bench/baseline-worker/wrangler.toml"), join(workdir, "baseline"));
    const routerMeta = bundle(join(ROOT, "wrangler.toml"), join(workdir, "router-meta"));
    // ABLATE_FLAGS=a,b: the router's compatibility flags instead of wrangler.toml's; a dir named "…@flags=a+b" gets its own.
    if (process.env.ABLATE_FLAGS !== undefined) routerMeta.compatibilityFlags = process.env.ABLATE_FLAGS.split(",").filter(Boolean);
    const vars = routerVars(fake.url, await deadAddress());
    const headers = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
    const stream = process.env.ABLATE_STREAM === "1";
    // ABLATE_FLOOR=1: the floor Worker too (bench/floor-worker: only what DESIGN.md obliges).
    const floor = process.env.ABLATE_FLOOR === "1" ? [{ id: "floor", worker: bundle(join(ROOT, "bench/floor-worker/wrangler.toml"), join(workdir, "floor")), vars: { UPSTREAM_URL: fake.url, API_KEYS: KEY }, path: "/v1/chat/completions", body: CHAT(MODEL, stream) }] : [];
    const specs = [{ id: "pass-through", worker: base, vars: { UPSTREAM_URL: fake.url }, path: "/", body: CHAT("ok", stream) }, ...floor, ...dirs.map((d, i) => ({ id: `${i}:${d.split("/").pop()}`, worker: { ...routerMeta, dir: d, ...(d.includes("@flags=") ? { compatibilityFlags: d.split("@flags=")[1].split("+").filter(Boolean) } : {}) }, vars, path: "/v1/chat/completions", body: CHAT(MODEL, stream) }))];
    if (process.env.ABLATE_FIRST_TOKEN) {
      const shared = await serveMany(await Promise.all(specs.map(async (s) => ({ b: s.worker, port: await freePort(), vars: s.vars }))), { name: "first-token", workdir });
      servers.push(shared);
      await firstTokens(specs.map((s, i) => ({ ...s, url: shared.urls[i], headers, body: CHAT(s.id === "pass-through" ? "drip" : "mana/bench-drip", true) })), Number(process.env.ABLATE_FIRST_TOKEN));
      return;
    }
    const targets = [];
    for (const s of specs) {
      const server = await serve(s.worker, { name: s.id.replace(/\W/g, "_"), port: await freePort(), vars: s.vars, workdir });
      servers.push(server);
      targets.push({ ...s, server, url: server.url, headers, cpu: 0, requests: 0, rps: [] });
    }
    const wrk = findWrk();
    for (const t of targets) await loadRun(wrk, t, { connections: 10, threads: 2, seconds: 1, workdir });
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        const c0 = cpuSeconds(t.server.pid);
        const res = await loadRun(wrk, t, { connections: 10, threads: 2, seconds: SECONDS, workdir });
        t.cpu += cpuSeconds(t.server.pid) - c0;
        t.requests += res.requests;
        t.rps.push(res.rps);
        if (res.errors + res.non2xx) console.log(`${t.id}: ${res.errors + res.non2xx} errors`);
      }
    }
    const b = targets[0];
    for (const t of targets) {
      const cpu = (t.cpu * 1000) / t.requests;
      const rps = t.rps.sort((x, y) => x - y)[Math.floor(t.rps.length / 2)];
      console.log(`${t.id.padEnd(40)} ${rps.toFixed(0).padStart(6)} req/s  ${(rps / b.rps.sort((x, y) => x - y)[Math.floor(b.rps.length / 2)]).toFixed(2)}×  ${cpu.toFixed(3)} ms CPU/req`);
    }
  } finally {
    for (const s of servers) await s.stop();
    await fake.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}

async function firstTokens(targets, samples) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const shuffled = (xs) => xs.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  const mixed = new Map(targets.map((t) => [t.id, []]));
  const hot = new Map(targets.map((t) => [t.id, []]));
  for (const t of targets) for (let i = 0; i < 20; i++) await firstTokenSample(agent, t);
  for (let i = 0; i < samples; i++) for (const t of shuffled(targets)) mixed.get(t.id).push(await firstTokenSample(agent, t));
  for (let b = 0; b < Math.max(1, Math.round(samples / 50)); b++)
    for (const t of shuffled(targets)) {
      for (let i = 0; i < 3; i++) await firstTokenSample(agent, t);
      for (let i = 0; i < 50; i++) hot.get(t.id).push(await firstTokenSample(agent, t));
    }
  agent.destroy();
  const base = targets[0].id;
  for (const t of targets) {
    const m = quantile(mixed.get(t.id), 0.5);
    const h = quantile(hot.get(t.id), 0.5);
    const added = (x, b) => (t.id === base ? "" : ` (${x - b >= 0 ? "+" : ""}${(x - b).toFixed(2)})`);
    console.log(`${t.id.padEnd(40)} first token interleaved ${m.toFixed(2)} ms${added(m, quantile(mixed.get(base), 0.5))}  back to back ${h.toFixed(2)} ms${added(h, quantile(hot.get(base), 0.5))}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
