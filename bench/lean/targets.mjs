/** What the lean bench and its profiler send and configure: the router's aliases, the key, the request body. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const KEY = "bench-key";
export const CHAT = (model, stream = false) => JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] });

/** The router's settings cap BREAKER_FAILURE_THRESHOLD at 100, and a dead primary fails on
 * every request, so a closed breaker would open after ~100 requests. For the closed-breaker
 * instance only, lift that validation bound in a copy of the bundle; nothing else changes. */
export const CLOSED_THRESHOLD = "1000000000";
export function liftThresholdCap(dir) {
  const file = join(dir, "index.js");
  const src = readFileSync(file, "utf8");
  const out = src.replace(/(BREAKER_FAILURE_THRESHOLD\s*:\s*\{\s*schema\s*:\s*[\w$]+\(\s*1\s*,\s*)100(\s*\))/, `$1${CLOSED_THRESHOLD}$2`);
  if (out === src) return false;
  writeFileSync(file, out);
  return true;
}

export function routerVars(fakeUrl, dead) {
  // Flow-style YAML on one line: it also travels through a .env file for `wrangler dev`.
  const aliasesYaml =
    `{providers: {dead: {kind: openai, base_url: '${dead}/v1', api_key_env: DEAD_API_KEY}, limited: {kind: openai, base_url: '${fakeUrl}/v1', api_key_env: GROQ_API_KEY, max_concurrent: 1000}}, aliases: {` +
    `mana/bench-one: {description: one entry, chain: [groq/ok]}, ` +
    `mana/bench-drip: {description: one entry streamed, chain: [groq/drip]}, ` +
    `mana/bench-dead-first: {description: dead primary then groq, chain: [dead/ok, groq/ok]}, ` +
    `mana/bench-limited: {description: one entry with max_concurrent, chain: [limited/ok]}}, default: mana/bench-one}`;
  return { API_KEYS: KEY, GROQ_BASE_URL: `${fakeUrl}/v1`, GROQ_API_KEY: "sk-bench-groq", DEAD_API_KEY: "sk-bench-dead", ALIASES_YAML: aliasesYaml };
}
