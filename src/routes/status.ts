/**
 * GET /status, the operator status page, and its login (DESIGN.md § Operator surfaces).
 * Access: a key header (any API or admin key), or a session cookie from POST /status/login;
 * an open-access deployment needs neither. Every answer carries the page's CSP.
 */
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { version } from "../../package.json";
import { buildStatusView, type FallbackCounts } from "../health/status-view";
import { collectHealth } from "../health/report";
import { log } from "../lib/log";
import { seriesValues, type MetricsData } from "../observability/metric-data";
import { METRICS } from "../observability/metric-defs";
import { recorderFor } from "../observability/recorder";
import { readShards, SCRAPE_DEADLINE_MS } from "../observability/scrape";
import { readTextBody } from "../openai/validate";
import { redactSecrets } from "../lib/redact";
import type { AppEnv } from "../types";
import { loginPage, messagePage, STATUS_CSP, statusPage } from "./status-page";
import { issueSession, readCookie, SESSION_COOKIE, sessionCookie, verifySession } from "./status-session";

/** A login form holds one key: a few KB is plenty. */
const MAX_LOGIN_BYTES = 4096;

type Access = "open" | "key" | "session" | "none" | "closed";

/** How keys are read and checked: the auth middleware's own functions, handed in by app.ts (routes/ does not import middleware/). */
export interface KeyCheck {
  presentedKey(headers: Headers): string | undefined;
  isKnownKey(presented: string, keys: { apiKeys: readonly string[]; adminKeys: readonly string[] }): Promise<boolean>;
}

const PAGE_HEADERS = {
  "content-security-policy": STATUS_CSP,
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function statusRoutes(keys: KeyCheck): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/status", async (c) => {
    const access = await accessOf(c, keys);
    if (access === "closed") return c.html(messagePage("mana-llm status", "This deployment has no API keys configured; it refuses all requests until it has some."), 401, PAGE_HEADERS);
    if (access === "none") return c.html(loginPage(null), 401, PAGE_HEADERS);
    const now = Date.now();
    const providers = c.get("providers");
    const config = c.get("config");
    const [health, metrics] = await Promise.all([collectHealth(c.env, providers, now), fallbackCounts(c.env)]);
    // The one redactor (lib/redact.ts), as for every other output; html`` escapes what is left.
    const redact = (text: string, provider: string) => redactSecrets(text, providers.get(provider));
    const page = statusPage({
      now,
      service: { version },
      health,
      config: { version: config.version, source: config.source, updatedAt: config.updatedAt ?? null },
      aliases: buildStatusView(config, providers, health, metrics, redact),
      metricsAvailable: metrics !== null,
      session: access === "session",
    });
    return c.html(page, 200, PAGE_HEADERS);
  });

  app.post("/status/login", async (c) => {
    const { apiKeys, adminKeys } = c.get("settings");
    if (apiKeys.length === 0 && adminKeys.length === 0) return c.redirect("/status", 303);
    const form = new URLSearchParams(await readTextBody(c.req.raw, MAX_LOGIN_BYTES, ["application/x-www-form-urlencoded"], "the login form limit"));
    const key = form.get("key")?.trim() ?? "";
    const valid = key !== "" && (await keys.isKnownKey(key, { apiKeys, adminKeys }));
    if (!valid) {
      log("info", "status.login_refused", { request_id: c.get("requestId") });
      return c.html(loginPage("That key is not valid here."), 401, PAGE_HEADERS);
    }
    const token = await issueSession([...apiKeys, ...adminKeys], Date.now());
    return c.body(null, 303, { ...PAGE_HEADERS, location: "/status", "set-cookie": sessionCookie(token, new URL(c.req.url)) });
  });

  app.post("/status/logout", (c) => c.body(null, 303, { ...PAGE_HEADERS, location: "/status", "set-cookie": sessionCookie("", new URL(c.req.url), 0) }));

  return app;
}

async function accessOf(c: Context<AppEnv>, keys: KeyCheck): Promise<Access> {
  const { apiKeys, adminKeys, allowOpenAccess } = c.get("settings");
  if (apiKeys.length === 0 && adminKeys.length === 0) return allowOpenAccess ? "open" : "closed";
  const presented = keys.presentedKey(c.req.raw.headers);
  if (presented) return (await keys.isKnownKey(presented, { apiKeys, adminKeys })) ? "key" : "none";
  const token = readCookie(c.req.header("cookie"), SESSION_COOKIE);
  return (await verifySession(token, [...apiKeys, ...adminKeys], Date.now())) ? "session" : "none";
}

/** Answers per alias entry and fallbacks, from the metrics store; null when it does not answer. */
async function fallbackCounts(env: Env): Promise<FallbackCounts | null> {
  let data: MetricsData;
  try {
    await recorderFor(env)?.settle(SCRAPE_DEADLINE_MS);
    data = await readShards(env.METRICS_STORE);
  } catch {
    return null;
  }
  const resolved: FallbackCounts["resolved"] = [];
  for (const [key, count] of Object.entries(data.values[METRICS.aliasResolved.name] ?? {})) {
    const [alias, target] = seriesValues(METRICS.aliasResolved, key) ?? [];
    if (alias && target) resolved.push({ alias, target, count });
  }
  const fallbacks: FallbackCounts["fallbacks"] = [];
  for (const [key, count] of Object.entries(data.values[METRICS.fallback.name] ?? {})) {
    const [from, to, reason] = seriesValues(METRICS.fallback, key) ?? [];
    if (from && to && reason) fallbacks.push({ from, to, reason, count });
  }
  return { resolved, fallbacks };
}
