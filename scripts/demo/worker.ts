/**
 * Runs the Worker under `wrangler dev` on a free loopback port with the demo's bindings,
 * its own state directory and no .dev.vars (an empty --env-file replaces it, so keys a
 * developer keeps there never reach the demo), and stops the whole process group after.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";

export interface DevWorker {
  url: string;
  /** wrangler's own output, for when something goes wrong. */
  logFile: string;
  /** Resolves once GET /health answers; rejects if wrangler exits or the time is up. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface DevWorkerOptions {
  root: string;
  tempDir: string;
  vars: Record<string, string>;
  /** How long to wait for the Worker to answer GET /health. */
  readyTimeoutMs: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns wrangler dev; the caller registers stop() before awaiting ready, so Ctrl-C during start-up cleans up too. */
export async function spawnDevWorker(opts: DevWorkerOptions): Promise<DevWorker> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const envFile = join(opts.tempDir, "no-dev-vars.env");
  writeFileSync(envFile, "# The demo passes every binding with --var.\n");
  const logFile = join(opts.tempDir, "wrangler.log");
  const log = createWriteStream(logFile);

  const args = [
    join(opts.root, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    join(opts.tempDir, "state"),
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    ...Object.entries(opts.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  // detached: its own process group, so stop() reaches wrangler's workerd children too.
  const child = spawn(process.execPath, args, {
    cwd: opts.root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      XDG_CONFIG_HOME: join(opts.tempDir, "config"),
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const url = `http://127.0.0.1:${port}`;
  return { url, logFile, ready: waitReady(url, child, opts.readyTimeoutMs), stop: () => stopGroup(child) };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer GET /health within ${timeoutMs / 1000} s`);
}

/** SIGTERM to the group, SIGKILL if it lingers: no workerd may outlive the demo. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return killGroup(pid, "SIGKILL");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(pid, "SIGTERM");
  const timer = new Promise<"late">((r) => setTimeout(() => r("late"), 3_000).unref());
  if ((await Promise.race([exited, timer])) === "late") killGroup(pid, "SIGKILL");
  // Children that ignored SIGTERM after wrangler itself left.
  killGroup(pid, "SIGKILL");
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
