/**
 * The lean bench (issue 10): the router against a bare pass-through Worker and the floor Worker
 * (only what DESIGN.md obliges a router to do: bench/floor-worker), each bundled by
 * `wrangler deploy --dry-run --outdir` and served by its own bare `workerd serve` process
 * (see workerd.mjs: a hand-written Cap'n Proto config, no Miniflare, no inspector), a fake
 * OpenAI-compatible upstream (its own Node process) and a refusing port on loopback. Targets
 * alternate, round by round; every run is bounded in time. Throughput and CPU come from the
 * per-target processes; latency (one connection, first token) from one more process serving
 * every target, sampled in a fresh random order, so placement luck is shared. Prints a table and one JSON line. It never fails on
 * numbers: exit 1 means the harness itself broke (or a target stopped answering correctly).
 *
 * `npm run bench:lean` (also the tail of `npm run bench`). Knobs: BENCH_SECONDS (5),
 * BENCH_ROUNDS (3), BENCH_LATENCY_SECONDS (2), BENCH_FIRST_TOKEN_SAMPLES (300),
 * BENCH_LOAD=node to use the Node client even with wrk installed,
 * BENCH_TMPDIR for the temp dir (default /dev/shm when present: the Durable Objects' SQLite
 * files on a shared disk make the closed-breaker figure measure the disk's sync latency),
 * BENCH_WRANGLER_DEV=0 to skip the `wrangler dev` comparison, BENCH_KEEP=1 to keep the temp dir.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { deadAddress, freePort, startFakeUpstreamProcess } from "./fake-upstream.mjs";
import { findWrk, firstTokenSample, loadRun, quantile } from "./load.mjs";
import { measureWranglerDev } from "./wrangler-dev.mjs";
import { CHAT, CLOSED_THRESHOLD, KEY, liftThresholdCap, routerVars } from "./targets.mjs";
import { bundle, cpuSeconds, ROOT, serve, serveMany } from "./workerd.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 2);
const FIRST_TOKEN_SAMPLES = Number(process.env.BENCH_FIRST_TOKEN_SAMPLES ?? 300);
async function breakerState(server) {
  const res = await fetch(`${server.url}/v1/health`, { headers: { authorization: `Bearer ${KEY}` } });
  const p = (await res.json()).providers?.dead;
  return p ? `${p.state} (${p.consecutive_failures} consecutive failures)` : "unknown";
}

/** One correct answer, or the numbers would measure an error page. */
async function checkAnswers(t) {
  const res = await fetch(`${t.url}${t.path}`, { method: "POST", headers: t.headers, body: t.body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes("tok19")) throw new Error(`${t.id}: expected a 200 with the whole answer, got ${res.status}: ${text.slice(0, 300)}`);
}

const median = (xs) => quantile(xs, 0.5);
const shuffled = (xs) => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

async function main() {
  const tmpBase = process.env.BENCH_TMPDIR ?? (existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir());
  const workdir = mkdtempSync(join(tmpBase, "bench-lean-"));
  const servers = [];
  // The fake upstream in a process of its own: on the bench's own event loop it took turns with the latency client.
  const fake = await startFakeUpstreamProcess();
  let ok = false;
  try {
    const dead = await deadAddress();
    const baseline = bundle(join(ROOT, "bench/baseline-worker/wrangler.toml"), join(workdir, "bundle-baseline"));
    const floor = bundle(join(ROOT, "bench/floor-worker/wrangler.toml"), join(workdir, "bundle-floor"));
    const router = bundle(join(ROOT, "wrangler.toml"), join(workdir, "bundle-router"));
    const closedDir = join(workdir, "bundle-router-closed");
    cpSync(router.dir, closedDir, { recursive: true });
    const lifted = liftThresholdCap(closedDir);
    if (!lifted) console.log("[bench:lean] WARNING: BREAKER_FAILURE_THRESHOLD's cap not found in the bundle; the closed-breaker target runs with 100 and may open (its state is printed below)");
    const rv = routerVars(fake.url, dead);
    const headers = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
    const specs = [
      { id: "pass-through", label: "pass-through Worker (forwards the body)", worker: baseline, vars: { UPSTREAM_URL: fake.url }, path: "/", model: "ok", ftModel: "drip" },
      // The least any router may do under DESIGN.md (key, schema, streamed upstream, every event parsed): what the router could reach.
      { id: "floor", label: "floor: only what DESIGN.md obliges (bench/floor-worker)", worker: floor, vars: { UPSTREAM_URL: fake.url, API_KEYS: KEY }, path: "/v1/chat/completions", model: "mana/bench-one", ftModel: "mana/bench-drip" },
      { id: "floor-streamed", label: "floor, streamed to the client", worker: floor, vars: { UPSTREAM_URL: fake.url, API_KEYS: KEY }, path: "/v1/chat/completions", model: "mana/bench-one", stream: true },
      { id: "one-entry", label: "router, one-entry alias", worker: router, vars: rv, path: "/v1/chat/completions", model: "mana/bench-one", ftModel: "mana/bench-drip" },
      // A day's backoff: the breaker opened by the warm-up stays open for the whole run.
      { id: "dead-open", label: "router, dead primary, breaker open", worker: router, vars: { ...rv, BREAKER_BACKOFF_S: "86400" }, path: "/v1/chat/completions", model: "mana/bench-dead-first" },
      { id: "dead-closed", label: "router, dead primary (refused), breaker closed", worker: { ...router, dir: closedDir }, vars: { ...rv, BREAKER_FAILURE_THRESHOLD: lifted ? CLOSED_THRESHOLD : "100" }, path: "/v1/chat/completions", model: "mana/bench-dead-first" },
      // The same one-entry alias on a provider with max_concurrent (never reached here): what the lease round trip adds.
      { id: "limited", label: "router, one-entry alias, max_concurrent (a lease per request)", worker: router, vars: rv, path: "/v1/chat/completions", model: "mana/bench-limited" },
      // The pass-through always forwards the upstream's SSE: the same answer streamed through the router, chunk by chunk re-encoded.
      { id: "streamed", label: "router, one-entry alias, streamed to the client", worker: router, vars: rv, path: "/v1/chat/completions", model: "mana/bench-one", stream: true },
    ];
    const targets = [];
    for (const s of specs) {
      const server = await serve(s.worker, { name: s.id, port: await freePort(), vars: s.vars, workdir });
      servers.push(server);
      targets.push({ ...s, server, url: server.url, headers, body: CHAT(s.model, s.stream === true), rounds: [], latency: [], firstToken: [] });
    }
    // Latency (one connection, first token) is compared inside one more workerd process serving every target:
    // two processes differ by where the scheduler put their threads (first-token medians moved by ±0.5 ms here).
    const shared = await serveMany(
      await Promise.all(specs.map(async (s) => ({ b: s.worker, port: await freePort(), vars: s.vars }))),
      { name: "latency", workdir },
    );
    servers.push(shared);
    targets.forEach((t, i) => (t.latencyUrl = shared.urls[i]));
    const wrk = findWrk();
    const run = (t, connections, seconds) => loadRun(wrk, t, { connections, threads: Math.min(2, connections), seconds, workdir });

    // Warm-up: JIT, Durable Objects created, connections open, the open-breaker target's breaker opened.
    for (const t of targets) {
      for (const url of [t.url, t.latencyUrl]) {
        await checkAnswers({ ...t, url });
        await run({ ...t, url }, 10, 1);
        await checkAnswers({ ...t, url });
      }
    }
    const byId = (id) => targets.find((t) => t.id === id);
    const dead0 = { open: await breakerState(byId("dead-open").server), closed: await breakerState(byId("dead-closed").server) };
    console.log(`[bench:lean] load: ${wrk ? "wrk" : "Node client"}; ${ROUNDS} rounds of ${SECONDS} s per target at 10 connections, ${LATENCY_SECONDS} s at 1; Durable Object storage under ${tmpBase}; breakers after warm-up: open target ${dead0.open}, closed target ${dead0.closed}`);

    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order each round so no target always runs first (or right after another).
      const order = targets.map((_, i) => targets[(i + r) % targets.length]);
      for (const t of order) {
        const cpu0 = cpuSeconds(t.server.pid);
        const res = await run(t, 10, SECONDS);
        t.rounds.push({ ...res, cpu: cpuSeconds(t.server.pid) - cpu0 });
      }
      for (const t of order) t.latency.push((await run({ ...t, url: t.latencyUrl }, 1, LATENCY_SECONDS)).p50);
    }

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const streamed = targets.filter((t) => t.ftModel).map((t) => ({ ...t, url: t.latencyUrl, body: CHAT(t.ftModel, true), into: t.firstToken }));
    for (const t of streamed) await firstTokenSample(agent, t);
    // A fresh random order per sample: whichever target went last before the pass-through read faster here.
    for (let i = 0; i < FIRST_TOKEN_SAMPLES; i++) for (const t of shuffled(streamed)) t.into.push(await firstTokenSample(agent, t));
    // And back to back: blocks of samples to one target (a busy router stays warm; interleaved, each request finds it cold).
    const hot = new Map(streamed.map((t) => [t.id, []]));
    const blocks = Math.max(1, Math.round(FIRST_TOKEN_SAMPLES / 50));
    for (let b = 0; b < blocks; b++)
      for (const t of shuffled(streamed)) {
        for (let i = 0; i < 3; i++) await firstTokenSample(agent, t);
        for (let i = 0; i < 50; i++) hot.get(t.id).push(await firstTokenSample(agent, t));
      }
    agent.destroy();

    const deadEnd = { open: await breakerState(byId("dead-open").server), closed: await breakerState(byId("dead-closed").server) };
    for (const t of targets) await checkAnswers(t);
    const wranglerDev = process.env.BENCH_WRANGLER_DEV === "0" ? null : await measureWranglerDev({ wrk, workdir, routerVars: rv, fakeUrl: fake.url, headers, seconds: SECONDS, latencySeconds: LATENCY_SECONDS, run: loadRun });
    report(targets, { wrk, deadEnd, lifted, wranglerDev, tmpBase, hot });
    ok = true;
  } finally {
    for (const s of servers) await s.stop();
    await fake.close();
    if (ok && process.env.BENCH_KEEP !== "1") rmSync(workdir, { recursive: true, force: true });
    else console.log(`[bench:lean] workerd configs and logs kept in ${workdir}`);
  }
}

function summarize(t, base) {
  const requests = sum(t.rounds.map((r) => r.requests));
  const s = {
    id: t.id,
    rps: median(t.rounds.map((r) => r.rps)),
    p50_ms: median(t.rounds.map((r) => r.p50)),
    p99_ms: median(t.rounds.map((r) => r.p99)),
    cpu_ms_per_req: (sum(t.rounds.map((r) => r.cpu)) * 1000) / requests,
    p50_1conn_ms: median(t.latency),
    first_token_ms: t.firstToken.length ? median(t.firstToken) : null,
    requests,
    errors: sum(t.rounds.map((r) => r.errors + r.non2xx)),
  };
  if (!base) return { ...s, ratio: 1, added_p50_1conn_ms: null, added_first_token_ms: null };
  return {
    ...s,
    ratio: s.rps / base.rps,
    added_p50_1conn_ms: s.p50_1conn_ms - base.p50_1conn_ms,
    added_first_token_ms: s.first_token_ms === null ? null : s.first_token_ms - base.first_token_ms,
  };
}

function report(targets, { wrk, deadEnd, lifted, wranglerDev, tmpBase, hot }) {
  const base = summarize(targets[0]);
  const rows = [base, ...targets.slice(1).map((t) => summarize(t, base))];
  const f = (x, d = 2) => (x === null || Number.isNaN(x) ? "—" : x.toFixed(d));
  const signed = (x) => (x === null ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(2)} ms`);
  const lines = [
    "| target | req/s | ÷ pass-through | p50 | p99 | CPU ms/request | added p50 at 1 conn | first token added |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r, i) =>
      `| ${targets[i].label} | ${f(r.rps, 0)} | ${f(r.ratio)} | ${f(r.p50_ms)} ms | ${f(r.p99_ms)} ms | ${f(r.cpu_ms_per_req, 3)} | ${i === 0 ? `${f(r.p50_1conn_ms)} ms (base)` : signed(r.added_p50_1conn_ms)} | ${i === 0 ? (r.first_token_ms === null ? "—" : `${f(r.first_token_ms)} ms (base)`) : signed(r.added_first_token_ms)} |`),
  ];
  if (wranglerDev) {
    // Ratios here are to the pass-through under wrangler dev, not to the lean one.
    const devBase = wranglerDev.find((w) => w.label === "pass-through");
    for (const w of wranglerDev)
      lines.push(`| wrangler dev (dev proxy + inspector): ${w.label} | ${f(w.rps, 0)} | ${devBase ? `${f(w.rps / devBase.rps)} (of dev)` : "—"} | ${f(w.p50)} ms | ${f(w.p99)} ms | — | ${devBase && w !== devBase ? signed(w.p50_1conn - devBase.p50_1conn) : `${f(w.p50_1conn)} ms (base)`} | — |`);
  }
  console.log(`\nLean bench: ${os.cpus().length} cores, ${wrk ? "wrk -t2 -c10" : "Node client, 10 connections"}, ${ROUNDS}×${SECONDS} s per target, non-streaming chat unless streamed; medians over rounds; CPU = workerd utime+stime ÷ requests; DO storage under ${tmpBase}`);
  console.log(lines.join("\n"));
  const errs = rows.filter((r) => r.errors > 0).map((r) => `${r.id}: ${r.errors}`);
  if (errs.length) console.log(`non-2xx or socket errors during the runs: ${errs.join(", ")}`);
  const hotBase = median(hot.get(targets[0].id));
  const hotRows = [...hot].slice(1).map(([id, xs]) => ({ id, first_token_ms: median(xs), added_ms: median(xs) - hotBase }));
  console.log(`first token back to back (blocks of 50 per target): pass-through ${f(hotBase)} ms; ${hotRows.map((r) => `${r.id} ${signed(r.added_ms)}`).join("; ")} (the table's column: samples interleaved in random order)`);
  console.log(`breaker of the dead primary at the end: open target ${deadEnd.open}; closed target ${deadEnd.closed}${lifted ? "" : " (threshold cap not lifted)"}`);
  const round = (x) => (typeof x === "number" ? Math.round(x * 1000) / 1000 : x);
  const json = { bench: "lean", cores: os.cpus().length, load: wrk ? "wrk" : "node", rounds: ROUNDS, seconds: SECONDS, do_storage: tmpBase, targets: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))), first_token_back_to_back: { pass_through_ms: round(hotBase), targets: hotRows.map((r) => ({ id: r.id, first_token_ms: round(r.first_token_ms), added_ms: round(r.added_ms) })) }, breaker_end: deadEnd, wrangler_dev: wranglerDev?.map((w) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, round(v)]))) ?? null };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
}

main().catch((err) => {
  console.error(`[bench:lean] harness failed: ${err instanceof Error ? err.stack : err}`);
  process.exitCode = 1;
});
