/**
 * What a provider's Durable Object keeps beside its breaker for the local GPU (DESIGN.md
 * § The local GPU): capacity leases, warm-up leases and the models Ollama has in memory.
 * Every lease carries its own expiry, so an isolate that crashed holding one cannot leak
 * capacity: an expired lease simply stops counting. All of it is synchronous SQL (atomic in
 * the DO); time comes from the caller.
 */

const LEASES_SCHEMA = `CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
)`;

const WARMUPS_SCHEMA = `CREATE TABLE IF NOT EXISTS warmups (
  model TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
)`;

const LOADED_SCHEMA = `CREATE TABLE IF NOT EXISTS loaded_models (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  models TEXT NOT NULL,
  checked_at INTEGER NOT NULL
)`;

/** Bounds what a probe answer can make us store. */
const MAX_LOADED_MODELS = 64;
const MAX_MODEL_NAME = 256;

/** The GPU facts an isolate caches with the breaker verdict. */
export interface GpuState {
  /** Models in memory at the last look (probe sweep or warm-up); null: never looked, treat as loaded. */
  loadedModels: string[] | null;
  /** Models a warm-up is loading right now. */
  warming: string[];
}

export interface LeaseGrant {
  granted: boolean;
  /** The lease to release; only when granted. */
  id?: string;
  /** Leases counted after this call (including the one granted). */
  inFlight: number;
}

export class GpuStore {
  constructor(private readonly sql: SqlStorage) {}

  createSchema(): void {
    this.sql.exec(LEASES_SCHEMA);
    this.sql.exec(WARMUPS_SCHEMA);
    this.sql.exec(LOADED_SCHEMA);
  }

  /** A slot if fewer than `max` unexpired leases are out; the lease expires at now + ttlMs. */
  acquireLease(now: number, max: number, ttlMs: number): LeaseGrant {
    const inFlight = this.inFlight(now);
    if (inFlight >= max) return { granted: false, inFlight };
    const id = crypto.randomUUID();
    this.sql.exec("INSERT INTO leases (id, expires_at) VALUES (?, ?)", id, now + ttlMs);
    return { granted: true, id, inFlight: inFlight + 1 };
  }

  releaseLease(id: string): void {
    this.sql.exec("DELETE FROM leases WHERE id = ?", id);
  }

  /** Unexpired leases; the expired ones are dropped on the way. */
  inFlight(now: number): number {
    this.sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases").one().n;
  }

  /** The one warm-up of `model` across isolates: true when the caller must run it. */
  acquireWarmup(model: string, now: number, ttlMs: number): boolean {
    this.sql.exec("DELETE FROM warmups WHERE expires_at <= ?", now);
    const taken = this.sql.exec("SELECT model FROM warmups WHERE model = ?", model).toArray().length > 0;
    if (taken || this.isLoaded(model)) return false;
    this.sql.exec("INSERT INTO warmups (model, expires_at) VALUES (?, ?)", model, now + ttlMs);
    return true;
  }

  /** A warm-up (or a request that had to load the model) ended; success means it is in memory. */
  finishWarmup(model: string, now: number, loaded: boolean): void {
    this.sql.exec("DELETE FROM warmups WHERE model = ?", model);
    if (!loaded) return;
    const models = this.loadedModels();
    // Never invent a list: unknown stays unknown (every model counts as loaded then).
    if (models === null || models.includes(model)) return;
    this.storeLoaded([...models, model].slice(-MAX_LOADED_MODELS), now);
  }

  /** What the probe sweep read from `/api/ps`; null when it could not tell. */
  recordLoadedModels(models: string[] | null, now: number): void {
    if (models === null) {
      this.sql.exec("DELETE FROM loaded_models");
      return;
    }
    this.storeLoaded(models.filter((m) => typeof m === "string" && m.length <= MAX_MODEL_NAME).slice(0, MAX_LOADED_MODELS), now);
  }

  state(now: number): GpuState {
    this.sql.exec("DELETE FROM warmups WHERE expires_at <= ?", now);
    const warming = this.sql
      .exec<{ model: string }>("SELECT model FROM warmups ORDER BY model")
      .toArray()
      .map((r) => r.model);
    return { loadedModels: this.loadedModels(), warming };
  }

  private isLoaded(model: string): boolean {
    const models = this.loadedModels();
    return models !== null && isModelLoaded(models, model);
  }

  private loadedModels(): string[] | null {
    const row = this.sql.exec<{ models: string }>("SELECT models FROM loaded_models WHERE id = 1").toArray()[0];
    if (!row) return null;
    try {
      const parsed: unknown = JSON.parse(row.models);
      return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === "string") : null;
    } catch {
      return null;
    }
  }

  private storeLoaded(models: string[], now: number): void {
    this.sql.exec(
      "INSERT INTO loaded_models (id, models, checked_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET models = excluded.models, checked_at = excluded.checked_at",
      JSON.stringify(models),
      now,
    );
  }
}

/** Ollama names an untagged model `<name>:latest` in memory. Pure. */
export function isModelLoaded(loaded: readonly string[], model: string): boolean {
  return loaded.includes(model) || (!model.includes(":") && loaded.includes(`${model}:latest`));
}
