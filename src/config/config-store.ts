/**
 * The runtime alias override (`PUT /v1/aliases`): one SQLite-backed Durable Object
 * (`CONFIG_STORE.getByName(CONFIG_STORE_NAME)`) holding the override text and its history
 * (DESIGN.md § Operator surfaces), so both survive restarts and deploys. RPC methods only;
 * `now` comes from the caller. Every check-then-write runs without an await in between.
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

export type PutResult =
  | { ok: true; record: OverrideRecord }
  /** invalid: the text does not parse; stale: If-Match names another version; not-found: no such version kept. */
  | { ok: false; error: string; reason?: "invalid" | "stale" | "not-found"; current?: string };

/** How many versions the history keeps. */
export const MAX_VERSIONS = 50;

/** One stored version: never the text's author key, only its position. */
export interface VersionEntry {
  version: number;
  createdAt: number;
  /** Hex sha256 of the text. */
  sha256: string;
  /** `admin key #2`, or `open access` on a deployment without keys. */
  admin: string;
  action: "put" | "rollback";
  /** For a rollback: the version whose text it restored. */
  rolledBackFrom: number | null;
}

/** Who writes, and the precondition of the write (checked atomically against the current version). */
export interface WriteMeta {
  admin: string;
  /** The entity tags of If-Match without quotes, or "*"; absent: no precondition. */
  ifMatch?: readonly string[] | "*";
  /** The version string in force when there is no override (ALIASES_YAML or the bundled file). */
  baseVersion?: string;
}

const NO_META: WriteMeta = { admin: "unknown" };

/** The version string a stored override is known by in responses. */
export const overrideVersion = (n: number) => `override-${n}`;

const SCHEMA = `CREATE TABLE IF NOT EXISTS override (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  text TEXT,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)`;

const VERSIONS_SCHEMA = `CREATE TABLE IF NOT EXISTS versions (
  version INTEGER PRIMARY KEY,
  text TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  admin TEXT NOT NULL,
  action TEXT NOT NULL,
  rolled_back_from INTEGER
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

  /** Validates with the same parser the router uses; an invalid text or a stale If-Match stores nothing. */
  async put(text: string, now: number, meta: WriteMeta = NO_META): Promise<PutResult> {
    checkNow(now);
    if (typeof text !== "string") return { ok: false, error: "the override must be YAML text", reason: "invalid" };
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > MAX_OVERRIDE_BYTES) return { ok: false, error: `the override is ${bytes} bytes; at most ${MAX_OVERRIDE_BYTES} are stored`, reason: "invalid" };
    // Hashed before reading the state: from here on no await, so check and write are atomic.
    const sha256 = await sha256Hex(text);
    return this.write(text, sha256, now, meta, "put", null);
  }

  /** Makes a kept version's text current again, as a new version. */
  async rollback(version: number, now: number, meta: WriteMeta = NO_META): Promise<PutResult> {
    checkNow(now);
    this.ensureSchema();
    const row = this.ctx.storage.sql.exec<{ text: string }>("SELECT text FROM versions WHERE version = ?", version).toArray()[0];
    if (!row) return { ok: false, error: `version ${overrideVersion(version)} is not in the history (the last ${MAX_VERSIONS} are kept)`, reason: "not-found" };
    const sha256 = await sha256Hex(row.text);
    return this.write(row.text, sha256, now, meta, "rollback", version);
  }

  /** The kept versions, newest first: no text, no keys. */
  versions(): VersionEntry[] {
    this.ensureSchema();
    return this.ctx.storage.sql
      .exec<{ version: number; created_at: number; sha256: string; admin: string; action: string; rolled_back_from: number | null }>(
        "SELECT version, created_at, sha256, admin, action, rolled_back_from FROM versions ORDER BY version DESC",
      )
      .toArray()
      .map((r) => ({ version: r.version, createdAt: r.created_at, sha256: r.sha256, admin: r.admin, action: r.action === "rollback" ? "rollback" : "put", rolledBackFrom: r.rolled_back_from }));
  }

  /** Synchronous from load to store: the precondition, the version bump and the history row are one step. */
  private write(text: string, sha256: string, now: number, meta: WriteMeta, action: VersionEntry["action"], from: number | null): PutResult {
    this.ensureSchema();
    const current = this.load();
    const stale = this.staleness(current, meta);
    if (stale) return stale;
    const next = current.version + 1;
    try {
      parseAliasesYaml(text, "override", overrideVersion(next));
    } catch (err) {
      if (err instanceof ConfigError) return { ok: false, error: err.message, reason: "invalid" };
      throw err;
    }
    const record: OverrideRecord = { version: next, text, updatedAt: now };
    this.store(record);
    this.ctx.storage.sql.exec(
      "INSERT INTO versions (version, text, sha256, created_at, admin, action, rolled_back_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
      next,
      text,
      sha256,
      now,
      meta.admin,
      action,
      from,
    );
    this.ctx.storage.sql.exec("DELETE FROM versions WHERE version NOT IN (SELECT version FROM versions ORDER BY version DESC LIMIT ?)", MAX_VERSIONS);
    return { ok: true, record };
  }

  private staleness(current: OverrideRecord, meta: WriteMeta): PutResult | undefined {
    if (meta.ifMatch === undefined || meta.ifMatch === "*") return undefined;
    const tag = current.text !== null ? overrideVersion(current.version) : (meta.baseVersion ?? "none");
    if (meta.ifMatch.includes(tag)) return undefined;
    return { ok: false, error: `the config changed: ${tag} is current, not ${meta.ifMatch.join(", ")}; GET /v1/aliases and retry`, reason: "stale", current: tag };
  }

  /** Drops the override; a no-op (same version) when there is none. The history stays. */
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
    this.ctx.storage.sql.exec(VERSIONS_SCHEMA);
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

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function checkNow(now: number): void {
  if (typeof now !== "number" || !Number.isFinite(now)) throw new TypeError("now must be epoch milliseconds");
}
