import { parseChainEntry, type ChainEntry, type RouterConfig } from "../config/aliases";
import { ApiError } from "../openai/errors";

export interface ResolvedChain {
  /** The alias name when the model was an alias. */
  alias?: string;
  entries: readonly ChainEntry[];
  /** A direct `provider/model` (or bare model) call: a chain of one, no fallback. */
  direct: boolean;
  sameVectorSpace: boolean;
  /** The alias opted in to mid-stream resume (never for a direct call: nothing to resume on). */
  resume: boolean;
}

/**
 * `model` → chain (DESIGN.md § Request path 2): a `mana/<class>` alias → its chain;
 * `provider/model` → one entry; a bare name → the default provider; missing → the default alias.
 */
export function resolveChain(model: string | undefined, config: RouterConfig, defaultProvider: string, knownProviders: ReadonlySet<string>): ResolvedChain {
  const name = model?.trim() || config.defaultAlias;
  const alias = config.aliases.get(name);
  if (alias) return { alias: alias.name, entries: alias.chain, direct: false, sameVectorSpace: alias.sameVectorSpace, resume: alias.resume };
  if (name.startsWith("mana/")) {
    throw new ApiError(404, `Unknown alias '${name}'. Known aliases: ${[...config.aliases.keys()].join(", ")}`, {
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    });
  }
  const entry = parseChainEntry(name);
  if (entry && knownProviders.has(entry.provider)) return { entries: [entry], direct: true, sameVectorSpace: false, resume: false };
  // A bare model name (or one whose prefix is not a provider, e.g. "meta-llama/…") goes to the default provider.
  return { entries: [{ provider: defaultProvider, model: name, id: `${defaultProvider}/${name}` }], direct: true, sameVectorSpace: false, resume: false };
}
