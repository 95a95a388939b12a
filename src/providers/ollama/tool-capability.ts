/**
 * Which Ollama models were trained for tool calling. Ollama hands `tools` to the model's
 * chat template; a template without tool support drops them without a word, so a
 * tool-bearing request to any other model is refused up front (the router moves on).
 */

/** Model families published with tool support (Ollama's "tools" tag), by base name. */
const TOOL_CAPABLE_FAMILIES: readonly string[] = [
  "llama3.1",
  "llama3.2",
  "llama3.3",
  "llama4",
  "llama3-groq-tool-use",
  "qwen2",
  "qwen2.5",
  "qwen2.5-coder",
  "qwen3",
  "qwen3-coder",
  "qwq",
  "mistral",
  "mistral-nemo",
  "mistral-small",
  "mistral-small3.1",
  "mistral-small3.2",
  "mistral-large",
  "mixtral",
  "ministral",
  "magistral",
  "devstral",
  "command-r",
  "command-r-plus",
  "command-r7b",
  "command-a",
  "firefunction-v2",
  "hermes3",
  "nemotron",
  "nemotron-mini",
  "granite3-dense",
  "granite3-moe",
  "granite3.1-dense",
  "granite3.1-moe",
  "granite3.2",
  "granite3.3",
  "granite4",
  "smollm2",
  "athene-v2",
  "aya-expanse",
  "cogito",
  "phi4-mini",
  "deepseek-r1",
  "deepseek-v3.1",
  "gpt-oss",
];

/** Derivatives that share a capable family's name but ship a template without tools. */
const NOT_TOOL_CAPABLE: readonly string[] = ["llama3.2-vision", "mistral-openorca", "qwen2-math"];

/**
 * The family part of an Ollama model name: `registry.ollama.ai/library/qwen2.5:7b-instruct`
 * → `qwen2.5`. The tag after `:` and any registry/namespace path are dropped.
 */
export function modelBaseName(model: string): string {
  const path = model.split(":")[0] ?? model;
  return (path.slice(path.lastIndexOf("/") + 1) || path).toLowerCase();
}

/**
 * A family matches its own name and names that extend it after a separator
 * (`qwen2.5-coder`, `mistral-nemo`), never a longer word (`qwen2` does not cover `qwen2.5`).
 */
function inFamily(base: string, family: string): boolean {
  if (base === family) return true;
  return base.startsWith(family) && !/[a-z0-9.]/.test(base.charAt(family.length));
}

export function supportsTools(model: string): boolean {
  const base = modelBaseName(model);
  if (NOT_TOOL_CAPABLE.some((f) => inFamily(base, f))) return false;
  return TOOL_CAPABLE_FAMILIES.some((f) => inFamily(base, f));
}
