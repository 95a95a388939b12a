/**
 * The same two Workers under `wrangler dev`, for comparison only: there a request also
 * crosses the dev proxy (a second workerd) and the inspector, so these figures say what
 * local development feels like, not what the Worker costs (TOOLCHAIN.md pitfall 8).
 * Optional: a start failure prints a note and returns null instead of failing the bench.
 */
import { spawn } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./fake-upstream.mjs";
import { benchEnv, ROOT } from "./workerd.mjs";

async function startDev(name, configPath, vars, workdir) {
  const envFile = join(workdir, `${name}.env`);
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}\n`).join(""));
  const port = await freePort();
  const args = ["dev", "-c", configPath, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--persist-to", join(workdir, `${name}-state`), "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "warn"];
  const log = openSync(join(workdir, `${name}.log`), "w");
  // Its own process group: wrangler starts workerd children, and stopping the group stops them too.
  const child = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, { cwd: ROOT, env: benchEnv(), stdio: ["ignore", log, log], detached: true });
  const stop = () => new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once("exit", () => r());
    try { process.kill(-child.pid, "SIGTERM"); } catch { r(); }
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.arrayBuffer());
      return { url, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await stop();
  return null;
}

export async function measureWranglerDev({ wrk, workdir, routerVars, fakeUrl, headers, seconds, latencySeconds, run }) {
  const specs = [
    { id: "dev-pass-through", label: "pass-through", config: join(ROOT, "bench/baseline-worker/wrangler.toml"), vars: { UPSTREAM_URL: fakeUrl }, path: "/", model: "ok" },
    { id: "dev-one-entry", label: "router, one-entry alias", config: join(ROOT, "wrangler.toml"), vars: routerVars, path: "/v1/chat/completions", model: "mana/bench-one" },
  ];
  const out = [];
  for (const s of specs) {
    const dev = await startDev(s.id, s.config, s.vars, workdir);
    if (!dev) {
      console.log(`[bench:lean] wrangler dev (${s.label}) did not start within 60 s; skipped (log in ${workdir})`);
      return out.length ? out : null;
    }
    try {
      const t = { id: s.id, url: dev.url, path: s.path, headers, body: JSON.stringify({ model: s.model, messages: [{ role: "user", content: "hi" }] }) };
      await run(wrk, t, { connections: 10, threads: 2, seconds: 1, workdir }); // warm-up
      const busy = await run(wrk, t, { connections: 10, threads: 2, seconds, workdir });
      const one = await run(wrk, t, { connections: 1, threads: 1, seconds: latencySeconds, workdir });
      out.push({ label: s.label, rps: busy.rps, p50: busy.p50, p99: busy.p99, p50_1conn: one.p50, errors: busy.errors + busy.non2xx });
    } finally {
      await dev.stop();
    }
  }
  return out;
}
