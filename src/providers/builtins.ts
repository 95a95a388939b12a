/**
 * The built-in providers (DESIGN.md § Configuration), in one table: the name aliases.yaml
 * chains use, the adapter kind, and the environment variables that configure each one.
 * Providers declared under aliases.yaml `providers:` come on top of these.
 */
import type { ProviderKind } from "./types";

export interface BuiltinProvider {
  name: string;
  kind: ProviderKind;
  /** The variable holding the base URL, and the URL when it is unset. */
  urlVar: string;
  defaultUrl: string;
  /** The variable holding the API key (required for every kind but Ollama). */
  keyVar: string;
  /** Extra request header → the variable holding its value; all of them are set, or none. */
  headerVars?: Readonly<Record<string, string>>;
  /** The tuning variable holding its max_concurrent (a setting, validated with the others). */
  maxConcurrentVar?: "OLLAMA_MAX_CONCURRENT";
  /** Continues a trailing assistant message (mid-stream resume) unless `<NAME>_PREFILL` says otherwise. */
  prefill?: true;
}

const table: readonly BuiltinProvider[] = [
  {
    name: "ollama",
    kind: "ollama",
    urlVar: "OLLAMA_URL",
    defaultUrl: "http://127.0.0.1:11434",
    keyVar: "OLLAMA_API_KEY",
    // A Cloudflare Access service token in front of a tunnelled Ollama.
    headerVars: { "CF-Access-Client-Id": "OLLAMA_ACCESS_CLIENT_ID", "CF-Access-Client-Secret": "OLLAMA_ACCESS_CLIENT_SECRET" },
    // One GPU serves a few generations well; beyond that every user waits (DESIGN.md § The local GPU).
    maxConcurrentVar: "OLLAMA_MAX_CONCURRENT",
    // Ollama's /api/chat continues a conversation that ends in an assistant message.
    prefill: true,
  },
  { name: "google", kind: "gemini", urlVar: "GOOGLE_BASE_URL", defaultUrl: "https://generativelanguage.googleapis.com/v1beta", keyVar: "GOOGLE_API_KEY" },
  { name: "groq", kind: "openai", urlVar: "GROQ_BASE_URL", defaultUrl: "https://api.groq.com/openai/v1", keyVar: "GROQ_API_KEY" },
  { name: "openrouter", kind: "openai", urlVar: "OPENROUTER_BASE_URL", defaultUrl: "https://openrouter.ai/api/v1", keyVar: "OPENROUTER_API_KEY" },
  { name: "together", kind: "openai", urlVar: "TOGETHER_BASE_URL", defaultUrl: "https://api.together.xyz/v1", keyVar: "TOGETHER_API_KEY" },
  { name: "openai", kind: "openai", urlVar: "OPENAI_BASE_URL", defaultUrl: "https://api.openai.com/v1", keyVar: "OPENAI_API_KEY" },
];

/** Built-in providers by name, in the table's order. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, BuiltinProvider>> = Object.freeze(Object.fromEntries(table.map((p) => [p.name, Object.freeze(p)])));

/** The variable declaring a built-in able to continue a prefill: `GROQ_PREFILL=true`. Never guessed. */
export function prefillVar(p: BuiltinProvider): string {
  return `${p.name.toUpperCase()}_PREFILL`;
}
