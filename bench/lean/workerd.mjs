/**
 * Bundles a Worker with `wrangler deploy --dry-run --outdir` and serves it with one bare
 * `workerd serve` process. Approach: a hand-written Cap'n Proto text config (not Miniflare),
 * so nothing but the Worker runs in the process: no dev proxy, no inspector, no request
 * logging. Modules come from the bundle, compatibility date/flags and vars from the Worker's
 * wrangler.toml, Durable Object namespaces get SQLite storage on local disk in a temp dir,
 * and the only outbound network is 127.0.0.1 (the loopback fakes).
 */
import { spawn, execFileSync } from "node:child_process";
import { openSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules/.bin");

/** The subset of TOML our wrangler.toml files use: tables, arrays of tables, strings, arrays, numbers, booleans. */
export function parseWranglerToml(text) {
  const root = {};
  let cur = root;
  for (const raw of text.split("\n")) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    let m;
    if ((m = /^\[\[([\w.]+)\]\]$/.exec(line))) {
      const path = m[1].split(".");
      const parent = walk(root, path.slice(0, -1));
      const list = (parent[path.at(-1)] ??= []);
      list.push((cur = {}));
    } else if ((m = /^\[([\w.]+)\]$/.exec(line))) {
      cur = walk(root, m[1].split("."));
    } else if ((m = /^([\w-]+)\s*=\s*(.+)$/.exec(line))) {
      cur[m[1]] = JSON.parse(m[2]);
    } else {
      throw new Error(`wrangler.toml: unsupported line for the bench's TOML subset: ${raw}`);
    }
  }
  return root;
}

function walk(obj, path) {
  for (const k of path) obj = obj[k] ??= {};
  return obj;
}

function stripComment(line) {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== "\\") inString = !inString;
    else if (line[i] === "#" && !inString) return line.slice(0, i);
  }
  return line;
}

export function benchEnv() {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(ROOT, ".config"), PATH: `${BIN}:${process.env.PATH}` };
}

/** Bundles the Worker of `configPath` into `outdir`; returns what a workerd config needs. */
export function bundle(configPath, outdir, extraArgs = []) {
  execFileSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir, "-c", configPath, ...extraArgs], { cwd: ROOT, env: benchEnv(), stdio: ["ignore", "ignore", "inherit"] });
  const toml = parseWranglerToml(readFileSync(configPath, "utf8"));
  const files = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
  const modules = files.map((name) => ({ name, kind: moduleKind(name) }));
  const main = modules.findIndex((m) => m.name === "index.js");
  if (main < 0) throw new Error(`bundle of ${configPath} has no index.js (got ${files.join(", ")})`);
  modules.unshift(...modules.splice(main, 1)); // workerd treats the first module as the entry point
  return {
    dir: outdir,
    modules,
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
    vars: toml.vars ?? {},
    durableObjects: (toml.durable_objects?.bindings ?? []).map((b) => ({ name: b.name, className: b.class_name })),
  };
}

function moduleKind(name) {
  if (/\.m?js$/.test(name)) return "esModule";
  if (name.endsWith(".wasm")) return "wasm";
  if (name.endsWith(".json")) return "json";
  return "text"; // aliases.yaml and other [[rules]] type = "Text" files
}

const str = (s) => JSON.stringify(String(s)); // our values are ASCII: JSON escapes are valid Cap'n Proto text

/**
 * Several Workers in one workerd process, each on its own socket (`entries`: { b, port, vars }).
 * The latency figures compare targets served by one process: two processes differ by where
 * the scheduler put their threads, which on this VM moved first-token medians by ±0.5 ms.
 */
function workerdConfig(entries, { storageDir, configDir }) {
  const services = [`(name = "loopback", network = (allow = ["127.0.0.1/32"]))`];
  const sockets = [];
  const workers = [];
  let anyDo = false;
  entries.forEach(({ b, port, vars }, i) => {
    // A leading "/" in `embed` means the import path, not the file system: embed relative to the config.
    const modules = b.modules.map((m) => `(name = ${str(m.name)}, ${m.kind} = embed ${str(relative(configDir, join(b.dir, m.name)))})`);
    const bindings = [
      ...Object.entries({ ...b.vars, ...vars }).map(([k, v]) => `(name = ${str(k)}, text = ${str(v)})`),
      ...b.durableObjects.map((d) => `(name = ${str(d.name)}, durableObjectNamespace = ${str(d.className)})`),
    ];
    const classes = [...new Set(b.durableObjects.map((d) => d.className))];
    const namespaces = classes.map((c) => `(className = ${str(c)}, uniqueKey = ${str(`bench-w${i}-${c}`)}, enableSql = true)`);
    anyDo ||= classes.length > 0;
    services.push(`(name = "w${i}", worker = .w${i}Worker)`);
    sockets.push(`(name = "http${i}", address = ${str(`127.0.0.1:${port}`)}, http = (), service = "w${i}")`);
    workers.push(`const w${i}Worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = ${str(b.compatibilityDate)},
  compatibilityFlags = [${b.compatibilityFlags.map(str).join(", ")}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  durableObjectNamespaces = [${namespaces.join(", ")}],
  ${classes.length ? `durableObjectStorage = (localDisk = "do-disk"),` : ""}
  globalOutbound = "loopback",
);`);
  });
  if (anyDo) services.push(`(name = "do-disk", disk = (path = ${str(storageDir)}, writable = true))`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")}
  ],
  sockets = [${sockets.join(", ")}],
);

${workers.join("\n\n")}
`;
}

/** Starts `workerd serve` for one Worker; resolves once it answers HTTP. */
export async function serve(b, { name, port, vars, workdir, extraArgs = [] }) {
  const server = await serveMany([{ b, port, vars }], { name, workdir, extraArgs });
  return { ...server, url: server.urls[0] };
}

/** One `workerd serve` process for several Workers (see workerdConfig); resolves once every socket answers HTTP. */
export async function serveMany(entries, { name, workdir, extraArgs = [] }) {
  const storageDir = join(workdir, `${name}-do`);
  mkdirSync(storageDir, { recursive: true });
  const configPath = join(workdir, `${name}.capnp`);
  writeFileSync(configPath, workerdConfig(entries, { storageDir, configDir: dirname(configPath) }));
  const logPath = join(workdir, `${name}.log`);
  const log = openSync(logPath, "w");
  // --experimental: durableObjectStorage.localDisk is marked experimental in workerd's schema.
  // BENCH_WORKERD_CPU=1: pin workerd to that CPU (taskset), e.g. to keep it off the load generator's core.
  const cmd = process.env.BENCH_WORKERD_CPU ? ["taskset", ["-c", process.env.BENCH_WORKERD_CPU, join(BIN, "workerd")]] : [join(BIN, "workerd"), []];
  const child = spawn(cmd[0], [...cmd[1], "serve", configPath, "--experimental", ...extraArgs], { stdio: ["ignore", log, log] });
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));
  const urls = entries.map((e) => `http://127.0.0.1:${e.port}`);
  const deadline = Date.now() + 20_000;
  for (const url of urls) {
    for (;;) {
      if (exited) throw new Error(`workerd (${name}) exited ${JSON.stringify(exited)}; see ${logPath}:\n${readFileSync(logPath, "utf8").slice(-2000)}`);
      try {
        await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`workerd (${name}) did not answer on ${url} within 20 s; see ${logPath}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return {
    name,
    urls,
    pid: child.pid,
    logPath,
    stop: () => new Promise((r) => (exited ? r() : (child.once("exit", () => r()), child.kill("SIGTERM")))),
  };
}

let clkTck;
/** CPU seconds (user + system, all threads) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  clkTck ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / clkTck; // utime (14) + stime (15)
}
