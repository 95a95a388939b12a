/**
 * The status page's HTML (DESIGN.md § Operator surfaces): server-rendered with Hono's `html`
 * helper, which escapes every interpolated value; inline CSS only (the CSP allows nothing
 * else), no scripts, fonts or images; it refreshes itself every 10 s without JavaScript.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AliasStatus, EntryStatus } from "../health/status-view";
import type { HealthReport } from "../health/report";

export const STATUS_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const REFRESH_S = 10;

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:.6rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em;font-weight:600}
.healthy,.closed{background:#d8f3dc;color:#1b4332}.degraded,.half-open{background:#fff3bf;color:#7a5a00}
.unhealthy,.open{background:#ffd6d6;color:#8a1c1c}.unknown,.not-configured{background:#e9ecef;color:#495057}
.answering{font-weight:700;color:#1b4332}.muted{color:#6c757d}
form.inline{display:inline}input[type=password]{padding:.3rem;min-width:18rem}
`;

function page(title: string, body: Html, refresh: boolean): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? html`<meta http-equiv="refresh" content="${REFRESH_S}">` : ""}
<title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

const iso = (ms: number | null) => (ms === null ? "—" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
const badge = (cls: string, text = cls) => html`<span class="badge ${cls}">${text}</span>`;

export function loginPage(message: string | null): Html {
  return page(
    "mana-llm status: sign in",
    html`<h1>mana-llm status</h1>
<p>Sign in with an API key. The key is checked once; the browser keeps only a signed session, never the key.</p>
${message ? html`<p class="unhealthy badge" role="alert">${message}</p>` : ""}
<form method="post" action="/status/login">
<label>API key <input type="password" name="key" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`,
    false,
  );
}

export function messagePage(title: string, message: string): Html {
  return page(title, html`<h1>mana-llm status</h1><p>${message}</p>`, false);
}

export interface StatusPageData {
  now: number;
  service: { version: string };
  health: HealthReport;
  config: { version: string; source: string; updatedAt: string | null };
  aliases: AliasStatus[];
  metricsAvailable: boolean;
  /** Show a sign-out button (a session, not a key header or open access). */
  session: boolean;
}

export function statusPage(d: StatusPageData): Html {
  return page(
    "mana-llm status",
    html`<h1>mana-llm status ${badge(d.health.status)}</h1>
<p class="muted">version ${d.service.version} · rendered ${iso(d.now)} · refreshes every ${REFRESH_S} s
${d.session ? html` · <form class="inline" method="post" action="/status/logout"><button type="submit">Sign out</button></form>` : ""}</p>
<section id="health"><h2>Health</h2><table><tr><th>provider</th><th>status</th></tr>
${Object.entries(d.health.providers).map(([name, p]) => html`<tr data-provider="${name}"><td>${name}</td><td>${badge(p.status)}${p.misconfigured ? html` ${badge("unhealthy", "misconfigured")}` : ""}</td></tr>`)}
</table></section>
<section id="config"><h2>Config</h2><p>version <code>${d.config.version}</code> · source <code>${d.config.source}</code> · updated ${d.config.updatedAt ?? "—"}</p></section>
<section id="aliases"><h2>Aliases</h2>${d.aliases.map((a) => aliasSection(a, d.metricsAvailable))}</section>`,
    true,
  );
}

function aliasSection(a: AliasStatus, metricsAvailable: boolean): Html {
  const first = a.entries[0]?.id;
  const fallbackAnswers = a.resolved.filter((r) => r.target !== first).reduce((n, r) => n + r.count, 0);
  return html`<div class="alias" data-alias="${a.name}"><h3>${a.name}${a.isDefault ? html` <span class="muted">(default)</span>` : ""}</h3>
<p class="muted">${a.description}</p>
<table><tr><th>#</th><th>entry</th><th>state</th><th>failures</th><th>last error</th><th>last check</th><th>reopens</th><th>capacity</th><th>now</th></tr>
${a.entries.map((e, i) => entryRow(e, i))}
</table>
<p>${
    metricsAvailable
      ? html`Answers: ${a.resolved.length === 0 ? "none recorded" : a.resolved.map((r) => html`<code>${r.target}</code> ${r.count} `)} · by a fallback entry: ${fallbackAnswers}
${a.fallbacks.length > 0 ? html`<br>Fallbacks: ${a.fallbacks.map((f) => html`<code>${f.from}</code> → <code>${f.to}</code> (${f.reason}) ${f.count}; `)}` : ""}`
      : html`<span class="muted">metrics unavailable</span>`
  }</p></div>`;
}

function entryRow(e: EntryStatus, i: number): Html {
  const state =
    e.state === "not-configured"
      ? badge("not-configured", "not configured")
      : badge(e.state === "closed" && e.health === "unknown" ? "unknown" : e.state, e.state === "closed" && e.health === "unknown" ? "closed (never checked)" : e.state);
  return html`<tr class="entry" data-entry="${e.id}" data-state="${e.state}" data-answering="${e.answering ? "true" : "false"}">
<td>${i + 1}</td><td><code>${e.id}</code></td><td>${state}${e.misconfigured ? html` ${badge("unhealthy", "misconfigured")}` : ""}</td>
<td>${e.consecutiveFailures}</td><td>${e.lastError ?? "—"}</td><td>${iso(e.lastCheckMs)}</td><td>${iso(e.reopensAtMs)}</td>
<td>${e.capacity ? `${e.capacity.inFlight} / ${e.capacity.max}` : "—"}</td>
<td>${e.answering ? html`<span class="answering">answers now</span>` : ""}</td></tr>`;
}
