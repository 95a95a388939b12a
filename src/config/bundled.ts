import bundledYaml from "../../aliases.yaml";
import { parseAliasesYaml, type RouterConfig } from "./aliases";

// Parsed once per isolate and frozen: a constant, not a cache that can drift.
let bundled: RouterConfig | undefined;

export function bundledConfig(): RouterConfig {
  bundled ??= parseAliasesYaml(bundledYaml, "bundled");
  return bundled;
}
