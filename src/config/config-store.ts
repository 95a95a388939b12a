/**
 * The runtime alias override (`PUT /v1/aliases`): one SQLite-backed Durable Object
 * (`CONFIG_STORE.getByName(CONFIG_STORE_NAME)`) holding the override text, so it survives
 * restarts and deploys until deleted. RPC methods only; `now` comes from the caller.
 */
import { DurableObject } from "cloudflare:workers";
import { initInsideGate } from "../lib/do-init";
import { ConfigError, parseAliasesYaml } from "./aliases";

/** The one instance every isolate talks to. */
export const CONFIG_STORE_NAME = "aliases";

/**
 * SQLite caps a stored value at 2 MB; an aliases file is a few KB, so 1 MiB is generous and
 * keeps a request from failing at the storage layer after it passed validation.
 */
export const MAX_OVERRIDE_BYTES = 1024 * 1024;

export interface OverrideRecord {
  /**
   * Bumped by every put and every delete, never reused: an isolate that cached version n
   * knows anything else is new, even after a delete and a fresh put.
   */
  version: number;
  /** The override's YAML; null when there is none (the env or bundled config applies). */
  text: string | null;
  /** Epoch ms of the last change; null before the first one. */
  updatedAt: number | null;
}

export type PutResult = { ok: true; record: OverrideRecord } | { ok: false; error: string };

/** The version string a stored override is known by in responses. */
export const overrideVersion = (n: number) => `override-${n}`;

const SCHEMA = `CREATE TABLE IF NOT EXISTS override (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  text TEXT,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)`;

const EMPTY: OverrideRecord = Object.freeze({ version: 0, text: null, updatedAt: null });

export class ConfigStore extends DurableObject<Env> {
  private schemaReady = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    initInsideGate(ctx, () => this.ensureSchema(), "config_store.init_failed");
  }

  get(): OverrideRecord {
    this.ensureSchema();
    return this.load();
  }

  /** Validates with the same parser the router uses; an invalid text stores nothing. */
  put(text: string, now: number): PutResult {
    checkNow(now);
    if (typeof text !== "string") return { ok: false, error: "the override must be YAML text" };
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > MAX_OVERRIDE_BYTES) return { ok: false, error: `the override is ${bytes} bytes; at most ${MAX_OVERRIDE_BYTES} are stored` };
    this.ensureSchema();
    const next = this.load().version + 1;
    try {
      parseAliasesYaml(text, "override", overrideVersion(next));
    } catch (err) {
      if (err instanceof ConfigError) return { ok: false, error: err.message };
      throw err;
    }
    // No await between load and store: the version bump is atomic.
    const record: OverrideRecord = { version: next, text, updatedAt: now };
    this.store(record);
    return { ok: true, record };
  }

  /** Drops the override; a no-op (same version) when there is none. */
  delete(now: number): OverrideRecord {
    checkNow(now);
    this.ensureSchema();
    const current = this.load();
    if (current.text === null) return current;
    const record: OverrideRecord = { version: current.version + 1, text: null, updatedAt: now };
    this.store(record);
    return record;
  }

  private ensureSchema(): void {
    if (this.schemaReady) return;
    this.ctx.storage.sql.exec(SCHEMA);
    this.schemaReady = true;
  }

  private load(): OverrideRecord {
    const row = this.ctx.storage.sql.exec<{ text: string | null; version: number; updated_at: number }>("SELECT text, version, updated_at FROM override WHERE id = 1").toArray()[0];
    return row ? { version: row.version, text: row.text, updatedAt: row.updated_at } : EMPTY;
  }

  private store(r: OverrideRecord): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO override (id, text, version, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET text = excluded.text, version = excluded.version, updated_at = excluded.updated_at",
      r.text,
      r.version,
      r.updatedAt,
    );
  }
}

function checkNow(now: number): void {
  if (typeof now !== "number" || !Number.isFinite(now)) throw new TypeError("now must be epoch milliseconds");
}
