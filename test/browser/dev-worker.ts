/**
 * `wrangler dev` on a free loopback port for the browser test: its own state directory
 * (--persist-to), no .dev.vars (an empty --env-file), every binding by --var, and its whole
 * process group stopped afterwards.
 */
import { spawn } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";

export interface DevWorker {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startDevWorker(root: string, tempDir: string, vars: Record<string, string>): Promise<DevWorker> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const envFile = join(tempDir, "no-dev-vars.env");
  writeFileSync(envFile, "# every binding comes by --var\n");
  const logFile = join(tempDir, "wrangler.log");
  const log = createWriteStream(logFile);
  const args = [
    join(root, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    join(tempDir, "state"),
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  // detached: its own process group, so stop() reaches wrangler's workerd children too.
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: join(tempDir, "config"), NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }, 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
