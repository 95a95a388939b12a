/**
 * `npm run demo`: the router's main job on a machine with no GPU and no keys. A fake GPU
 * (Ollama wire) and a fake cloud provider (OpenAI wire) from test/fakes run on loopback,
 * the Worker runs against them under `wrangler dev`, and the steps in steps.ts narrate and
 * check what a client sees. Everything started here is stopped and every temp dir removed,
 * on success, failure or Ctrl-C.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { startFakeOllama } from "../../test/fakes/ollama";
import { fakeKey, startFakeOpenAI } from "../../test/fakes/openai-compatible";
import { startGpuSwitch } from "./gpu-switch";
import { bold, dim, Narrator } from "./narrate";
import { DEMO_SETTINGS, runSteps, type DemoContext } from "./steps";
import { spawnDevWorker } from "./worker";

/** A Worker that is not up by then is broken, not slow; the whole demo stays under a minute. */
const READY_TIMEOUT_MS = 30_000;
const DEMO_DEADLINE_MS = 55_000;
/** Tokens leave the fake GPU this far apart, so the stream visibly arrives word by word. */
const GPU_PACE_MS = 120;

type Cleanup = () => Promise<void> | void;

/** The process exit code: 0 when every step behaved as announced, 130 when interrupted. */
export async function runDemo(root: string): Promise<number> {
  const cleanups: Cleanup[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch {
          // Keep going: every other resource must still be released.
        }
      }
    })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    process.stdout.write(`\n${signal}: stopping the demo and cleaning up…\n`);
    // Stopping the Worker makes the step in flight fail at once; runDemo then returns 130.
    void cleanup();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const narrator = new Narrator();
  let logFile: string | undefined;
  const deadline = setTimeout(() => {
    interrupted = true;
    narrator.check(false, `the demo finished within ${DEMO_DEADLINE_MS / 1000} s`);
    if (logFile) printTail(logFile);
    narrator.summary();
    void cleanup().then(() => process.exit(1));
  }, DEMO_DEADLINE_MS);
  cleanups.push(() => clearTimeout(deadline));

  const tempDir = mkdtempSync(join(tmpdir(), "mana-llm-demo-"));
  cleanups.push(() => rmSync(tempDir, { recursive: true, force: true }));

  try {
    process.stdout.write(`${bold("mana-llm demo")}: an OpenAI-compatible router that answers from the first healthy entry of an alias.\n`);
    process.stdout.write(dim("No GPU and no keys needed: the GPU and the cloud provider below are the project's test fakes on 127.0.0.1.\n"));

    const ollama = await startFakeOllama({ paceMs: GPU_PACE_MS });
    cleanups.push(() => ollama.close());
    const gpu = await startGpuSwitch(ollama.url);
    cleanups.push(() => gpu.close());
    const cloud = await startFakeOpenAI();
    cleanups.push(() => cloud.close());

    const vars: Record<string, string> = {
      ALLOW_OPEN_ACCESS: "true",
      OLLAMA_URL: gpu.url,
      GROQ_BASE_URL: `${cloud.url}/groq/v1`,
      GROQ_API_KEY: fakeKey("groq"),
      ALIASES_YAML: `{aliases: {${DEMO_SETTINGS.alias}: {description: "the demo: GPU first, cloud second", chain: [${DEMO_SETTINGS.gpuEntry}, ${DEMO_SETTINGS.cloudEntry}]}}, default: ${DEMO_SETTINGS.alias}}`,
      PROBE_INTERVAL_S: "60",
      FIRST_BYTE_TIMEOUT_MS: String(DEMO_SETTINGS.firstByteTimeoutMs),
      BREAKER_BACKOFF_S: String(DEMO_SETTINGS.breakerBackoffS),
    };
    process.stdout.write(`\n   fake GPU (Ollama API)          ${gpu.url}\n`);
    process.stdout.write(`   fake cloud (Groq, OpenAI API)  ${cloud.url}/groq/v1\n`);
    process.stdout.write(`   alias ${DEMO_SETTINGS.alias}: ${DEMO_SETTINGS.gpuEntry} → ${DEMO_SETTINGS.cloudEntry}\n`);
    process.stdout.write(
      dim(
        `   settings: FIRST_BYTE_TIMEOUT_MS=${vars.FIRST_BYTE_TIMEOUT_MS} (10000 by default), BREAKER_BACKOFF_S=${vars.BREAKER_BACKOFF_S} (60), PROBE_INTERVAL_S=60 (one probe sweep per cron trigger)\n`,
      ),
    );
    process.stdout.write("   starting the Worker under wrangler dev…\n");

    const worker = await spawnDevWorker({ root, tempDir, vars, readyTimeoutMs: READY_TIMEOUT_MS });
    logFile = worker.logFile;
    cleanups.push(() => worker.stop());
    await worker.ready;
    process.stdout.write(`   router on ${worker.url} ${dim(`(ready after ${narrator.elapsedS()} s)`)}\n`);

    const ctx: DemoContext = { base: worker.url, gpu, narrator };
    await runSteps(ctx);
  } catch (err) {
    if (!interrupted) narrator.check(false, "the demo ran to the end", err instanceof Error ? err.message : String(err));
  }
  if (interrupted) {
    await cleanup();
    return 130;
  }
  // What the Worker logged is the first thing to read when a step misbehaved.
  if (!narrator.ok && logFile) printTail(logFile);
  narrator.summary();
  await cleanup();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return narrator.ok ? 0 : 1;
}

function printTail(file: string): void {
  try {
    const lines = stripVTControlCharacters(readFileSync(file, "utf8"))
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-30);
    process.stdout.write(`\n${dim("last lines from wrangler dev:")}\n${lines.map((l) => `   ${l}`).join("\n")}\n`);
  } catch {
    // No log yet.
  }
}
