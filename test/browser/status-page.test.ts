/**
 * The status page in a real browser (issue 14 point 3): Debian's Chromium driven by
 * playwright-core against `wrangler dev` with the loopback fakes. Log in through the form,
 * see every alias, trip the primary's breaker, reload, see it open and the fallback marked
 * as answering; a screenshot lands in test-output/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeOllama } from "../fakes/ollama";
import { startFakeOpenAI } from "../fakes/openai-compatible";
import type { FakeServer } from "../fakes/server";
import { type DevWorker, spawnDevWorker } from "../../scripts/demo/worker";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCREENSHOT = join(ROOT, "test-output/status-page.png");
const API_KEY = "browser-test-key";
const ADMIN_KEY = "browser-admin-key";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

let gpu: FakeServer;
let cloud: FakeServer;
let worker: DevWorker;
let browser: Browser;
let tempDir: string;

function aliasesYaml(): string {
  return [
    "aliases:",
    "  mana/chat:",
    '    description: "the GPU first, the cloud behind it"',
    "    chain: [gpu/qwen2.5:7b, cloud/llama-3.3-70b]",
    "  mana/cloud:",
    '    description: "cloud only"',
    "    chain: [cloud/llama-3.3-70b]",
    "default: mana/chat",
    "providers:",
    `  gpu: {kind: ollama, base_url: "${gpu.url}"}`,
    `  cloud: {kind: openai, base_url: "${cloud.url}/groq/v1", api_key_env: GROQ_API_KEY}`,
    "",
  ].join("\n");
}

const chat = (model: string) =>
  fetch(`${worker.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });

/** No src/href/action pointing anywhere but this origin. */
function externalUrls(page: string): string[] {
  return [...page.matchAll(/\b(?:src|href|action)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!).filter((u) => /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(u));
}

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "mana-status-"));
  gpu = await startFakeOllama();
  cloud = await startFakeOpenAI();
  // The demo's wrangler dev runner: its own state dir, no .dev.vars, every binding by --var, the process group stopped after.
  worker = await spawnDevWorker({
    root: ROOT,
    tempDir,
    vars: { API_KEYS: API_KEY, ADMIN_API_KEYS: ADMIN_KEY, GROQ_API_KEY: "sk-groq-fake-secret", FIRST_BYTE_TIMEOUT_MS: "3000" },
    readyTimeoutMs: 90_000,
  });
  await worker.ready.catch((err: Error) => {
    throw new Error(`${err.message}; see ${worker.logFile}:\n${readFileSync(worker.logFile, "utf8").slice(-2000)}`);
  });
  const put = await fetch(`${worker.url}/v1/aliases`, { method: "PUT", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/yaml" }, body: aliasesYaml() });
  expect(put.status, await put.clone().text()).toBe(200);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await cloud?.close();
  await gpu?.close().catch(() => {});
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

describe("GET /status in Chromium", () => {
  it("logs in through the form, shows every alias, and after the primary goes down shows it open and the fallback answering", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    // No session: the login form, and a wrong key gets no cookie.
    await page.goto(`${worker.url}/status`);
    await expect.poll(() => page.locator("form[action='/status/login']").count()).toBe(1);
    await page.fill("input[name=key]", "not-the-key");
    const refused = page.waitForResponse((r) => r.url().endsWith("/status/login"));
    await page.click("button[type=submit]");
    const wrong = await refused;
    expect(wrong.status()).toBe(401);
    expect(await wrong.headerValue("set-cookie")).toBeNull();
    expect(await context.cookies()).toEqual([]);
    expect(await page.textContent("body")).toContain("not valid");

    // The right key: a session cookie that holds no key, then the page.
    await page.fill("input[name=key]", API_KEY);
    await Promise.all([page.waitForURL(`${worker.url}/status`), page.click("button[type=submit]")]);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "mana_status", httpOnly: true, sameSite: "Strict", path: "/status" });
    for (const k of [API_KEY, ADMIN_KEY]) expect(cookies[0]!.value).not.toContain(k);
    for (const alias of ["mana/chat", "mana/cloud"]) expect(await page.locator(`[data-alias='${alias}']`).count()).toBe(1);
    expect(await page.getAttribute("[data-alias='mana/chat'] [data-entry='gpu/qwen2.5:7b']", "data-answering")).toBe("true");
    expect(externalUrls(await page.content())).toEqual([]);

    // The GPU goes away: two requests fail over to the cloud and open the GPU's breaker.
    await gpu.close();
    for (let i = 0; i < 2; i++) {
      const res = await chat("mana/chat");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-mana-llm-resolved")).toBe("cloud/llama-3.3-70b");
    }
    const gpuRow = "[data-alias='mana/chat'] [data-entry='gpu/qwen2.5:7b']";
    const cloudRow = "[data-alias='mana/chat'] [data-entry='cloud/llama-3.3-70b']";
    await vi.waitFor(
      async () => {
        await page.reload();
        expect(await page.getAttribute(gpuRow, "data-state")).toBe("open");
      },
      { timeout: 15_000, interval: 300 },
    );
    expect(await page.getAttribute(gpuRow, "data-answering")).toBe("false");
    expect(await page.getAttribute(cloudRow, "data-answering")).toBe("true");
    expect(await page.textContent(cloudRow)).toContain("answers now");
    expect(await page.textContent(gpuRow)).toContain("connect");
    const html = await page.content();
    expect(externalUrls(html)).toEqual([]);
    expect(html).toContain('<meta http-equiv="refresh" content="10">');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  });
});
