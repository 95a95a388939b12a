/**
 * The isolate's view of the runtime override: the ConfigStore's answer is trusted for
 * CONFIG_CACHE_MS, and its text re-parsed only when its version changes, so the request
 * path pays about one Durable Object round trip per isolate per second. A store that does
 * not answer within CONFIG_DEADLINE_MS never fails a request: the last known config (or the
 * env/bundled one) serves, and the log says so.
 */
import { withDeadline } from "../lib/deadline";
import { isolateCache } from "../lib/isolate-cache";
import { log } from "../lib/log";
import { ConfigError, parseAliasesYaml, type RouterConfig } from "./aliases";
import { CONFIG_STORE_NAME, overrideVersion, type OverrideRecord } from "./config-store";

/** How long an isolate trusts the override it last heard of. */
export const CONFIG_CACHE_MS = 1_000;
/** How long the request path waits for the ConfigStore before using what it already knows. */
export const CONFIG_DEADLINE_MS = 50;

type ConfigNamespace = Env["CONFIG_STORE"];

interface Known {
  version: number;
  /** null: no override, or one this code cannot use (logged) — the env/bundled config applies. */
  config: RouterConfig | null;
}

interface IsolateConfigView {
  known: Known | undefined;
  /** When `known` was last confirmed, or a refresh last gave up: the cache's clock. */
  checkedAt: number;
  /** One refresh at a time per isolate; concurrent requests wait for the same answer. */
  inflight: Promise<void> | undefined;
}

// Per isolate, keyed by the binding so separate environments (tests) never share a view.
const views = isolateCache((_: ConfigNamespace): IsolateConfigView => ({ known: undefined, checkedAt: Number.NEGATIVE_INFINITY, inflight: undefined }));

/** Drops this isolate's view (tests that change the store behind the view's back). */
export function forgetConfigView(ns: ConfigNamespace): void {
  views.forget(ns);
}

export interface ConfigLookup {
  /** Epoch ms of the request. */
  now: number;
  /** Keeps a late answer refreshing the cache after the request has moved on. */
  waitUntil(p: Promise<unknown>): void;
  cacheMs?: number;
  deadlineMs?: number;
}

/** The config in force: the override when there is one, else `base` (the env or bundled config). */
export async function currentConfig(ns: ConfigNamespace, base: RouterConfig, lookup: ConfigLookup): Promise<RouterConfig> {
  const { now, cacheMs = CONFIG_CACHE_MS, deadlineMs = CONFIG_DEADLINE_MS } = lookup;
  const view = views.get(ns);
  if (now - view.checkedAt < cacheMs) return view.known?.config ?? base;

  let refresh = view.inflight;
  if (!refresh) {
    const started = (async () => {
      const record = await ns.getByName(CONFIG_STORE_NAME).get();
      remember(view, record, now);
    })();
    refresh = started;
    view.inflight = started;
    lookup.waitUntil(
      started
        .catch(() => {})
        .finally(() => {
          if (view.inflight === started) view.inflight = undefined;
        }),
    );
  }
  try {
    await withDeadline(refresh, deadlineMs);
  } catch (err) {
    // Give up for one TTL, so an unreachable store costs one deadline per TTL, not per request.
    view.checkedAt = Math.max(view.checkedAt, now);
    log("warn", "config.unreachable", {
      fallback: view.known?.config ? view.known.config.version : base.version,
      error: err instanceof Error ? err.message : String(err),
    });
  }
  return view.known?.config ?? base;
}

/**
 * Records what the store just answered to a write (PUT/DELETE) so this isolate sees it at
 * once, and returns that record's config (null when it holds no usable override).
 */
export function rememberOverride(ns: ConfigNamespace, record: OverrideRecord, now: number): RouterConfig | null {
  return remember(views.get(ns), record, now).config;
}

/** Parses a record unless its version is already known; an older answer never replaces a newer one. */
function remember(view: IsolateConfigView, record: OverrideRecord, issuedAt: number): Known {
  const current = view.known;
  if (current && current.version === record.version) {
    view.checkedAt = Math.max(view.checkedAt, issuedAt);
    return current;
  }
  const fresh: Known = { version: record.version, config: parseRecord(record) };
  if (!current || record.version > current.version) {
    view.known = fresh;
    view.checkedAt = Math.max(view.checkedAt, issuedAt);
  }
  return fresh;
}

function parseRecord(record: OverrideRecord): RouterConfig | null {
  if (record.text === null) return null;
  try {
    const parsed = parseAliasesYaml(record.text, "override", overrideVersion(record.version));
    return Object.freeze({ ...parsed, updatedAt: new Date(record.updatedAt ?? 0).toISOString() });
  } catch (err) {
    // The store validated it; only a parser that became stricter since can land here.
    if (!(err instanceof ConfigError)) throw err;
    log("error", "config.override_invalid", { version: record.version, message: err.message });
    return null;
  }
}
