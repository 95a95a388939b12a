/**
 * Ablation helper for profiling (issue 10): serves already-bundled router directories (from
 * `wrangler deploy --dry-run --outdir`, possibly patched by hand) side by side with the
 * pass-through, and prints CPU per request and req/s for each, alternating rounds.
 * `node bench/lean/ablate.mjs <bundle-dir> [<bundle-dir> …]`; ABLATE_MODEL (mana/bench-one),
 * ABLATE_SECONDS (4), ABLATE_ROUNDS (3), ABLATE_STREAM=1 for a streamed request.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { deadAddress, freePort, startFakeUpstream } from "./fake-upstream.mjs";
import { findWrk, loadRun } from "./load.mjs";
import { CHAT, KEY, routerVars } from "./targets.mjs";
import { bundle, cpuSeconds, ROOT, serve } from "./workerd.mjs";

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
    const specs = [{ id: "pass-through", worker: base, vars: { UPSTREAM_URL: fake.url }, path: "/", body: CHAT("ok", stream) }, ...dirs.map((d, i) => ({ id: `${i}:${d.split("/").pop()}`, worker: { ...routerMeta, dir: d, ...(d.includes("@flags=") ? { compatibilityFlags: d.split("@flags=")[1].split("+").filter(Boolean) } : {}) }, vars, path: "/v1/chat/completions", body: CHAT(MODEL, stream) }))];
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

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
