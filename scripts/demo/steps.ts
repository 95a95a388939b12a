/**
 * The five steps of `npm run demo`, each saying what it shows and checking it. Timing on a
 * busy machine is never assumed: every wait polls what the router reports, with a bound.
 */
import { chatJson, chatStream, pollFor, providerHealth, triggerCron, type ChatAnswer } from "./client";
import type { GpuSwitch } from "./gpu-switch";
import { dim, parseAttempts, seconds, type Narrator } from "./narrate";

export const DEMO_SETTINGS = {
  alias: "mana/demo",
  gpuEntry: "ollama/qwen2.5:7b",
  cloudEntry: "groq/llama-3.1-8b-instant",
  firstByteTimeoutMs: 1500,
  breakerBackoffS: 6,
} as const;

export interface DemoContext {
  base: string;
  gpu: GpuSwitch;
  narrator: Narrator;
}

const { alias, gpuEntry, cloudEntry } = DEMO_SETTINGS;
const GPU = "ollama";

export async function runSteps(ctx: DemoContext): Promise<void> {
  await jsonAnswer(ctx);
  await streamedAnswer(ctx);
  await gpuOff(ctx);
  await gpuHangs(ctx);
  await gpuBack(ctx);
}

function describe(ctx: DemoContext, a: ChatAnswer): void {
  const attempts = a.attempts ? `  X-Mana-LLM-Attempts: ${a.attempts}` : "";
  ctx.narrator.say(`→ ${a.status} in ${seconds(a.ms)}  X-Mana-LLM-Resolved: ${a.resolved ?? "(none)"}${attempts}`);
}

/** Checks who answered; what the client got instead is shown only when it was not that. */
function answeredBy(n: Narrator, a: ChatAnswer, entry: string, what: string): boolean {
  const ok = a.status === 200 && a.resolved === entry;
  return n.check(ok, what, ok ? "" : `got ${a.status} from ${a.resolved ?? "nobody"}`);
}

function reasonFor(a: ChatAnswer, entry: string): string | undefined {
  return parseAttempts(a.attempts).find((x) => x.model === entry)?.reason;
}

async function jsonAnswer(ctx: DemoContext): Promise<void> {
  const n = ctx.narrator;
  n.heading(1, "A chat answer through an alias", `"model": "${alias}" names a chain, not a model; the GPU is up, so its first entry answers.`);
  const a = await chatJson(ctx.base, alias, "Say hello.");
  describe(ctx, a);
  n.say(`"${a.content}"`);
  answeredBy(n, a, gpuEntry, `answered by the GPU (${gpuEntry})`);
  n.check(a.attempts === null, "nothing was skipped or failed on the way (no X-Mana-LLM-Attempts header)");
}

async function streamedAnswer(ctx: DemoContext): Promise<void> {
  const n = ctx.narrator;
  n.heading(2, "The same, streamed", `"stream": true: tokens are printed here as the router passes them on, while the GPU is still generating.`);
  n.raw("   │ ");
  const a = await chatStream(ctx.base, alias, "Say hello, slowly.", (t) => n.raw(t));
  n.raw("\n");
  describe(ctx, a);
  const spread = a.tokenTimes.length > 1 ? a.tokenTimes.at(-1)! - a.tokenTimes[0]! : 0;
  n.say(dim(`tokens arrived at ${a.tokenTimes.map((t) => `${Math.round(t)}`).join(", ")} ms`));
  answeredBy(n, a, gpuEntry, `streamed by the GPU (${gpuEntry})`);
  // The fake GPU paces its tokens; arriving spread out means nothing buffered the stream.
  n.check(a.tokenTimes.length >= 3 && spread >= 100, `${a.tokenTimes.length} tokens arrived one by one`, `first to last: ${Math.round(spread)} ms`);
  n.check(a.done, "the stream ended with data: [DONE] (a complete answer)");
}

async function gpuOff(ctx: DemoContext): Promise<void> {
  const n = ctx.narrator;
  n.heading(3, "The GPU goes off", "Its port now refuses connections. The router moves on to the cloud entry, and after 2 failed attempts (BREAKER_FAILURE_THRESHOLD) the GPU's breaker opens.");
  await ctx.gpu.set("off");
  const a = await chatJson(ctx.base, alias, "Are you there?");
  describe(ctx, a);
  answeredBy(n, a, cloudEntry, `answered by the cloud entry (${cloudEntry})`);
  n.check(reasonFor(a, gpuEntry) === "connect", `the attempts header says why: ${gpuEntry}=connect (no connection)`);

  // Keep asking until the breaker has seen enough failures: how many one request makes is the router's business.
  let requests = 1;
  const open = await pollFor(
    async () => {
      const h = (await providerHealth(ctx.base))[GPU];
      if (h?.state === "open") return h;
      describe(ctx, await chatJson(ctx.base, alias, "Are you there?"));
      requests++;
      return undefined;
    },
    5_000,
    200,
  );
  const h = open ?? (await providerHealth(ctx.base))[GPU];
  n.say(`GET /v1/health → ${GPU}: status ${h?.status}, state ${h?.state}, consecutive_failures ${h?.consecutive_failures}, last_error "${h?.last_error}"`);
  if (open && requests === 1 && open.consecutive_failures > 1) {
    n.say(dim("(the Worker cannot tell a refused connection from a lost one, and a lost one is retried once: one request can count twice)"));
  }
  n.check(open !== undefined, `/v1/health shows the ${GPU} breaker open`);

  n.say(dim("(each isolate trusts its cached breaker verdict for up to BREAKER_CACHE_MS=1000, so the next request may still try the GPU)"));
  const skipped = await pollFor(
    async () => {
      const b = await chatJson(ctx.base, alias, "And now?");
      describe(ctx, b);
      return reasonFor(b, gpuEntry) === "cache-unhealthy" && b.resolved === cloudEntry ? b : undefined;
    },
    3_000,
    300,
  );
  n.check(skipped !== undefined, `with the breaker open the GPU is skipped without being tried (${gpuEntry}=cache-unhealthy)`);
}

async function gpuHangs(ctx: DemoContext): Promise<void> {
  const n = ctx.narrator;
  const timeout = DEMO_SETTINGS.firstByteTimeoutMs;
  n.heading(4, "The GPU hangs", `It now accepts connections and never answers. The first-byte timeout (FIRST_BYTE_TIMEOUT_MS=${timeout}) bounds what that costs.`);
  await ctx.gpu.set("hang");
  n.say(`waiting for the breaker's ${DEMO_SETTINGS.breakerBackoffS} s back-off to pass: then it is half-open and lets one trial request through…`);
  const halfOpen = await pollFor(
    async () => {
      const h = (await providerHealth(ctx.base))[GPU];
      return h?.state === "half-open" ? h : undefined;
    },
    DEMO_SETTINGS.breakerBackoffS * 1000 + 5_000,
    250,
  );
  n.check(halfOpen !== undefined, `/v1/health shows the ${GPU} breaker half-open`);

  const hungBefore = ctx.gpu.hung().length;
  const a = await chatJson(ctx.base, alias, "Still there?");
  describe(ctx, a);
  const conn = ctx.gpu.hung()[hungBefore];
  answeredBy(n, a, cloudEntry, `answered by the cloud entry (${cloudEntry})`);
  n.check(reasonFor(a, gpuEntry) === "timeout", `the attempts header says ${gpuEntry}=timeout`);
  n.check(a.ms >= timeout, `the answer took ${seconds(a.ms)}: the ${seconds(timeout)} timeout, then the cloud entry`);
  const heldMs = conn?.closedAt !== undefined ? conn.closedAt - conn.openedAt : undefined;
  n.check(heldMs !== undefined, "the GPU got the request and the router hung up on it", heldMs !== undefined ? `after ${seconds(heldMs)}` : "no closed connection seen");

  const reopened = await pollFor(async () => {
    const h = (await providerHealth(ctx.base))[GPU];
    return h?.state === "open" ? h : undefined;
  }, 5_000);
  n.check(reopened !== undefined, "the failed trial re-opened the breaker", reopened ? `last_error "${reopened.last_error}"` : "");
}

async function gpuBack(ctx: DemoContext): Promise<void> {
  const n = ctx.narrator;
  n.heading(5, "The GPU comes back", "A probe sweep (the cron, every 30 s in production) finds it answering and closes the breaker; traffic returns to it.");
  await ctx.gpu.set("up");
  const cron = await triggerCron(ctx.base);
  n.say(`GET /cdn-cgi/handler/scheduled (the local cron trigger) → ${cron.status} in ${seconds(cron.ms)}`);
  n.check(cron.status === 200, "the probe sweep ran");

  const closed = await pollFor(async () => {
    const h = (await providerHealth(ctx.base))[GPU];
    return h?.state === "closed" ? h : undefined;
  }, 5_000);
  const t = closed?.last_transition;
  n.say(`GET /v1/health → ${GPU}: status ${closed?.status ?? "?"}, state ${closed?.state ?? "?"}${t ? `, last transition ${t.from} → ${t.to} (${t.cause}, by ${t.source})` : ""}`);
  n.check(closed !== undefined && t?.source === "probe", `the probe closed the ${GPU} breaker`);

  n.say(dim("(isolates still holding the old open verdict catch up within BREAKER_CACHE_MS)"));
  const back = await pollFor(
    async () => {
      const a = await chatJson(ctx.base, alias, "Welcome back?");
      describe(ctx, a);
      return a.resolved === gpuEntry ? a : undefined;
    },
    5_000,
    300,
  );
  n.check(back !== undefined && back.attempts === null, `traffic is back on the GPU (${gpuEntry}), nothing skipped`);
}
