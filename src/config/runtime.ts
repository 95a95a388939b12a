/**
 * The runtime in force for one request or one cron sweep, resolved in one place: settings,
 * the config (runtime override > ALIASES_YAML > the bundled aliases.yaml) and the providers.
 * Whatever depends on `env` alone is built once per isolate and `env` object (DESIGN.md
 * § Cost per request: the request path parses no environment per request). A value that
 * fails to parse is not kept, so a misconfigured deployment fails loudly on every request.
 */
import { envString, envVars, type EnvStrings } from "../lib/env";
import { isolateCache } from "../lib/isolate-cache";
import type { ProviderConfig } from "../providers/types";
import type { RouterConfig } from "./aliases";
import { activeConfig } from "./bundled";
import { currentConfig } from "./override-view";
import { builtinProviders, loadSettings, withDeclaredProviders, type Settings } from "./settings";

export interface Runtime {
  settings: Settings;
  config: RouterConfig;
  providers: ReadonlyMap<string, ProviderConfig>;
}

export interface RuntimeLookup {
  /** Epoch ms of the request (or sweep). */
  now: number;
  /** Keeps a late ConfigStore answer refreshing the isolate's view. */
  waitUntil(p: Promise<unknown>): void;
  /** How long to wait for the ConfigStore (the request path's default when unset). */
  deadlineMs?: number;
}

interface EnvDerived {
  vars: EnvStrings;
  settings: Settings;
  /** Parsed on first use, so a bad ALIASES_YAML or provider URL never hides a settings error or the cron's own. */
  base?: RouterConfig;
  builtins?: ReadonlyMap<string, ProviderConfig>;
  /** The providers per config in force: configs are frozen and kept, so identity is a safe key. */
  providers: WeakMap<RouterConfig, ReadonlyMap<string, ProviderConfig>>;
}

const derived = isolateCache((env: Env): EnvDerived => {
  const vars = envVars(env);
  return { vars, settings: loadSettings(vars), providers: new WeakMap() };
});

/** The settings of `env`; throws ConfigError naming the variable when one is invalid. */
export function runtimeSettings(env: Env): Settings {
  return derived.get(env).settings;
}

/** The config that applies without a runtime override: ALIASES_YAML, else the bundled file. */
export function baseConfig(env: Env): RouterConfig {
  const d = derived.get(env);
  d.base ??= activeConfig(envString(d.vars, "ALIASES_YAML"));
  return d.base;
}

export async function resolveRuntime(env: Env, lookup: RuntimeLookup): Promise<Runtime> {
  const d = derived.get(env);
  const config = await currentConfig(env.CONFIG_STORE, baseConfig(env), lookup);
  d.builtins ??= builtinProviders(d.vars);
  let providers = d.providers.get(config);
  if (!providers) {
    providers = withDeclaredProviders(d.vars, d.builtins, config);
    d.providers.set(config, providers);
  }
  return { settings: d.settings, config, providers };
}
