/**
 * aliases.yaml: text → yaml → zod → frozen value. Pure; every error names where it is
 * (alias, chain index, and the line when the YAML parser knows it).
 */
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from "yaml";
import * as z from "zod/mini";
import { BUILTIN_PROVIDERS } from "../providers/builtins";
import type { ProviderKind } from "../providers/types";
import { MisconfigurationError } from "../lib/errors";
import "../lib/zod-locale";
import { checkExpansion, MAX_YAML_ALIASES, MAX_YAML_EXPANDED_NODES, type ExpansionProblem } from "./yaml-expansion";

export interface ChainEntry {
  provider: string;
  model: string;
  /** `<provider>/<model>` */
  id: string;
}

export interface AliasDefinition {
  name: string;
  description: string;
  chain: readonly ChainEntry[];
  /** Embeddings: the author vouches all entries produce interchangeable vectors. */
  sameVectorSpace: boolean;
  /** A committed chat stream that fails is continued on a later prefill-capable entry. */
  resume: boolean;
}

export interface ExtraProvider {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKeyEnv?: string;
  maxConcurrent?: number;
  /** Declared able to continue a trailing assistant message (mid-stream resume). */
  prefill: boolean;
}

export interface RouterConfig {
  aliases: ReadonlyMap<string, AliasDefinition>;
  defaultAlias: string;
  providers: ReadonlyMap<string, ExtraProvider>;
  version: string;
  source: "bundled" | "env" | "override";
  updatedAt?: string;
}

/** Marks the chain entries a config defined (not enumerable: equality and JSON ignore it). */
const FROM_CONFIG = Symbol("fromConfig");

/**
 * Whether `entry` is one of the config's own chain entries, rather than one built from a
 * client's direct `provider/model`: only these may name a metric series (client-chosen
 * names are unbounded).
 */
export function isConfiguredEntry(entry: ChainEntry): boolean {
  return (entry as { [FROM_CONFIG]?: true })[FROM_CONFIG] === true;
}

export class ConfigError extends MisconfigurationError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const ALIAS_NAME = /^mana\/[^/\s]+$/;
const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const providerSchema = z.strictObject({
  kind: z.enum(["openai", "ollama", "gemini"], { error: "kind must be one of openai, ollama, gemini" }),
  base_url: z.url({ protocol: /^https?$/, error: "base_url must be an http(s) URL" }),
  api_key_env: z.optional(
    z.string({ error: "api_key_env must name the environment variable holding the key" }).check(z.regex(/^[A-Z_][A-Z0-9_]*$/, "api_key_env must be an UPPER_SNAKE environment variable name")),
  ),
  max_concurrent: z.optional(z.int({ error: "max_concurrent must be a whole number" }).check(z.gte(1, "max_concurrent must be at least 1"), z.lte(1_000, "max_concurrent must be at most 1000"))),
  prefill: z.optional(z.boolean({ error: "prefill must be true or false" })),
});

const aliasSchema = z.looseObject(
  {
    description: z.string({ error: "description must be a string" }),
    chain: z.array(z.string({ error: "chain entries must be strings" }), { error: "chain must be a list of provider/model strings" }).check(z.minLength(1, "chain must not be empty")),
    same_vector_space: z.optional(z.boolean({ error: "same_vector_space must be true or false" })),
    resume: z.optional(z.boolean({ error: "resume must be true or false" })),
  },
  { error: "an alias must be a mapping with description and chain" },
);

const rootSchema = z.looseObject(
  {
    aliases: z.record(z.string(), aliasSchema, { error: "aliases must be a mapping of alias name → {description, chain}" }),
    default: z.string({ error: "default must name one of the aliases" }),
    providers: z.optional(z.nullable(z.record(z.string(), providerSchema, { error: "providers must be a mapping of name → {kind, base_url, api_key_env}" }))),
  },
  { error: "the root of aliases.yaml must be a mapping" },
);

/** Parses and validates aliases.yaml. Throws ConfigError with a located message. */
export function parseAliasesYaml(text: string, source: RouterConfig["source"] = "bundled", version?: string): RouterConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // With prettyErrors off the parser leaves linePos unset; the offset is always there.
    const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    throw new ConfigError(`aliases.yaml line ${at.line}: invalid YAML: ${e.message.split("\n")[0]}`);
  }
  const problem = checkExpansion(doc, lineCounter);
  if (problem) throw new ConfigError(`aliases.yaml line ${problem.line}: ${describeExpansion(problem)}`);
  const where = (path: readonly PropertyKey[]) => lineOf(doc, lineCounter, path);
  // A bad name is on its key's line, which can differ from the line its body starts on.
  const whereKey = (path: readonly PropertyKey[]) => lineOf(doc, lineCounter, path, true);

  let value: unknown;
  try {
    // checkExpansion bounded the aliases; the library's own guard would refuse a shared &base.
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    // Whatever else the library refuses is still the file's fault, never a 5xx.
    throw new ConfigError(`aliases.yaml: invalid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  const parsed = rootSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`aliases.yaml${where(issue.path)}: ${describePath(issue.path)}${issue.message}`);
  }
  const root = parsed.data;

  const providers = new Map<string, ExtraProvider>();
  for (const [name, p] of Object.entries(root.providers ?? {})) {
    const at = whereKey(["providers", name]);
    if (!PROVIDER_NAME.test(name)) throw new ConfigError(`aliases.yaml${at}: provider "${name}": names are lower-case letters, digits, - and _`);
    if (name in BUILTIN_PROVIDERS) throw new ConfigError(`aliases.yaml${at}: provider "${name}" is built in; configure it with its env vars instead`);
    if (p.kind !== "ollama" && !p.api_key_env) throw new ConfigError(`aliases.yaml${at}: provider "${name}": api_key_env must name the environment variable holding its key`);
    providers.set(name, Object.freeze({ name, kind: p.kind, baseUrl: p.base_url.replace(/\/+$/, ""), apiKeyEnv: p.api_key_env, maxConcurrent: p.max_concurrent, prefill: p.prefill ?? false }));
  }

  const entries = Object.entries(root.aliases);
  if (entries.length === 0) throw new ConfigError(`aliases.yaml${where(["aliases"])}: aliases must define at least one alias`);

  const aliases = new Map<string, AliasDefinition>();
  for (const [name, body] of entries) {
    if (!ALIAS_NAME.test(name)) throw new ConfigError(`aliases.yaml${whereKey(["aliases", name])}: alias "${name}": names must be mana/<one segment>, e.g. mana/fast-text`);
    const chain = body.chain.map((raw, index) => {
      const at = where(["aliases", name, "chain", index]);
      const entry = parseChainEntry(raw);
      if (!entry) throw new ConfigError(`aliases.yaml${at}: alias "${name}" chain[${index}]: "${raw}" is not a provider/model string`);
      if (!(entry.provider in BUILTIN_PROVIDERS) && !providers.has(entry.provider))
        throw new ConfigError(
          `aliases.yaml${at}: alias "${name}" chain[${index}]: unknown provider "${entry.provider}" (built in: ${Object.keys(BUILTIN_PROVIDERS).join(", ")}; or declare it under providers:)`,
        );
      return Object.freeze(Object.defineProperty(entry, FROM_CONFIG, { value: true }));
    });
    aliases.set(name, Object.freeze({ name, description: body.description, chain: Object.freeze(chain), sameVectorSpace: body.same_vector_space ?? false, resume: body.resume ?? false }));
  }
  if (!aliases.has(root.default)) throw new ConfigError(`aliases.yaml${where(["default"])}: default "${root.default}" is not a defined alias (${[...aliases.keys()].join(", ")})`);

  return Object.freeze({
    aliases,
    defaultAlias: root.default,
    providers,
    // Named by source: an ALIASES_YAML config must not pass for the bundled one.
    version: version ?? `${source}-${fnv1a(text)}`,
    source,
  });
}

/** `provider/model` → parts; the model may itself contain `/` (openrouter/anthropic/claude-3-haiku). */
export function parseChainEntry(raw: string): ChainEntry | undefined {
  const trimmed = raw.trim();
  const slash = trimmed.indexOf("/");
  if (slash <= 0 || slash === trimmed.length - 1) return undefined;
  const provider = trimmed.slice(0, slash);
  const model = trimmed.slice(slash + 1);
  if (/\s/.test(provider)) return undefined;
  return { provider, model, id: `${provider}/${model}` };
}

/**
 * The line of the node at `path` (of its key with `atKey`). A missing node (a required
 * field left out) points at the key of its nearest existing ancestor.
 */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[], atKey = false): string {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    const value = n === 0 ? doc.contents : doc.getIn(prefix as unknown[], true);
    const node = n > 0 && (atKey || n < path.length) ? (keyNodeOf(doc, prefix) ?? value) : value;
    if (isNode(node) && node.range) return ` line ${counter.linePos(node.range[0]).line}`;
  }
  return "";
}

/** The key node of a mapping entry; undefined for list items, which have none. */
function keyNodeOf(doc: Document, path: readonly PropertyKey[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1) as unknown[], true);
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  return parent.items.find((pair) => (isScalar(pair.key) ? pair.key.value : pair.key) === last)?.key;
}

function describeExpansion(p: ExpansionProblem): string {
  if (p.kind === "unresolved") return `invalid YAML: alias *${p.name} has no anchor &${p.name} before it`;
  if (p.kind === "too-many-aliases") return `more than ${MAX_YAML_ALIASES} *alias references (MAX_YAML_ALIASES)`;
  return `its aliases expand the document past ${MAX_YAML_EXPANDED_NODES} nodes (MAX_YAML_EXPANDED_NODES)`;
}

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "";
  if (path[0] === "aliases" && path.length >= 2) {
    const rest = path
      .slice(2)
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("");
    return `alias "${String(path[1])}"${rest ? ` ${rest.replace(/^\./, "")}` : ""}: `;
  }
  return `${path.map(String).join(".")}: `;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
