/**
 * State kept per isolate and per binding (or per `env` object): module-level, so it lives
 * as long as the isolate, and keyed by object identity, so separate environments (tests
 * that pass their own bindings) never share it. Leaf module: imports nothing of ours.
 */
export interface IsolateCache<K extends object, V> {
  /** The value for `key`, created on first use. A `create` that throws caches nothing. */
  get(key: K): V;
  /** Drops the value for `key` (tests that change state behind the cache's back). */
  forget(key: K): void;
}

export function isolateCache<K extends object, V>(create: (key: K) => V): IsolateCache<K, V> {
  const values = new WeakMap<K, V>();
  return {
    get(key) {
      if (values.has(key)) return values.get(key)!;
      const v = create(key);
      values.set(key, v);
      return v;
    },
    forget(key) {
      values.delete(key);
    },
  };
}
