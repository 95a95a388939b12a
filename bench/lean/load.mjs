/**
 * Load generation for the lean bench: wrk when it is installed (it costs far less CPU per
 * request than a Node client, which shares the 2 cores with workerd), else a small Node
 * keep-alive client. Both return the same shape; latencies in milliseconds.
 */
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function findWrk() {
  if (process.env.BENCH_LOAD === "node") {
    console.log("[bench:lean] BENCH_LOAD=node: using the Node load generator");
    return null;
  }
  const found = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (!found.error) return "wrk";
  if (process.env.BENCH_INSTALL_WRK === "1") {
    console.log("[bench:lean] wrk not found; BENCH_INSTALL_WRK=1: apt-get install -y wrk");
    const r = spawnSync("apt-get", ["install", "-y", "wrk"], { stdio: "ignore", timeout: 180_000 });
    if (r.status === 0 && !spawnSync("wrk", ["--version"]).error) return "wrk";
  }
  console.log("[bench:lean] wrk not found (`apt-get install -y wrk`, or BENCH_INSTALL_WRK=1): using the Node load generator; its own CPU use competes with workerd, so req/s read lower than with wrk");
  return null;
}

const LUA_DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

const luaString = (s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/**
 * One bounded run. `target`: { url, path, body (string), headers }.
 * Returns { requests, seconds, rps, p50, p99, errors, non2xx }.
 */
export async function loadRun(wrk, target, { connections, threads, seconds, workdir }) {
  if (!wrk) return nodeRun(target, { connections, seconds });
  const script = join(workdir, `wrk-${target.id}.lua`);
  const headers = Object.entries(target.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  writeFileSync(script, [`wrk.method = "POST"`, `wrk.body = ${luaString(target.body)}`, ...headers, LUA_DONE].join("\n"));
  const out = await new Promise((resolve, reject) => {
    const child = spawn(wrk, [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, `${target.url}${target.path}`], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const line = /WRK_JSON (\{.*\})/.exec(out);
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  const j = JSON.parse(line[1]);
  const s = j.duration_us / 1e6;
  return { requests: j.requests, seconds: s, rps: j.requests / s, p50: j.p50_us / 1000, p99: j.p99_us / 1000, errors: j.errors, non2xx: j.non2xx };
}

async function nodeRun(target, { connections, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const status = await request(agent, target, () => {});
        if (status < 200 || status >= 300) non2xx++;
        latencies.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const s = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: latencies.length, seconds: s, rps: latencies.length / s, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, non2xx };
}

/** One POST; `onData(text)` sees the body as it arrives. Resolves with the status once the body ended. */
function request(agent, target, onData) {
  return new Promise((resolve, reject) => {
    const u = new URL(target.path, target.url);
    const req = http.request(u, { method: "POST", agent, headers: { ...target.headers, "content-length": Buffer.byteLength(target.body) } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", onData);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(target.body);
  });
}

/**
 * Streamed first token: ms from sending the request to the first content token ("tok0",
 * which the fake sends at once, 20 ms ahead of the rest) arriving at the client.
 */
export async function firstTokenSample(agent, target) {
  const t = performance.now();
  let at = null;
  let seen = "";
  const status = await request(agent, target, (text) => {
    if (at !== null) return;
    seen += text;
    if (seen.includes("tok0")) at = performance.now() - t;
  });
  if (status !== 200 || at === null) throw new Error(`${target.id}: streamed request answered ${status} without a first token`);
  return at;
}

export function quantile(samples, q) {
  if (!samples.length) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
