import bundledYaml from "../../aliases.yaml";
import { parseAliasesYaml, type RouterConfig } from "./aliases";

// Parsed once per isolate and frozen: a constant, not a cache that can drift.
let bundled: RouterConfig | undefined;
// One-slot memo for ALIASES_YAML: re-parsed only when the text itself changes.
let fromEnv: { text: string; config: RouterConfig } | undefined;

export function bundledConfig(): RouterConfig {
  bundled ??= parseAliasesYaml(bundledYaml, "bundled");
  return bundled;
}

/**
 * The aliases in force: the `ALIASES_YAML` var when a deployment sets one (a config change
 * without a rebuild), else the bundled aliases.yaml.
 */
export function activeConfig(aliasesYaml: string | undefined): RouterConfig {
  if (!aliasesYaml) return bundledConfig();
  if (fromEnv?.text !== aliasesYaml) fromEnv = { text: aliasesYaml, config: parseAliasesYaml(aliasesYaml, "env") };
  return fromEnv.config;
}
