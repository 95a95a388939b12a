/** The Worker environment as plain values. Leaf module: imports nothing of ours. */

/** The environment seen as plain strings: secrets are not in the generated Env type. */
export type EnvStrings = Readonly<Record<string, unknown>>;

/** `env` with its variables and secrets readable by name (the one cast of its kind). */
export function envVars(env: Env): EnvStrings {
  return env as unknown as EnvStrings;
}

/** A variable's trimmed value; undefined when unset, empty or not a string (a binding is not a setting). */
export function envString(env: EnvStrings, name: string): string | undefined {
  const v = env[name];
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}
