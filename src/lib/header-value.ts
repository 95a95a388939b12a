/**
 * Names a client or an operator chose (model ids, alias entries) as response header
 * values. A header holds visible ASCII only, and X-Mana-LLM-Attempts is a list of
 * `model=reason` separated by ", ": so every byte outside visible ASCII, and `%`, `,`,
 * `=`, `"` and `\`, is percent-encoded (UTF-8), as in a URL. Lossless (decodeURIComponent
 * gives the name back), never a 500, and a plain ASCII id is unchanged.
 * Leaf module: imports nothing of ours.
 */
const SAFE = /^[!#$&'()*+\-./0-9:;<>?@A-Z[\]^_`a-z{|}~]*$/;

export function headerSafe(value: string): string {
  if (SAFE.test(value)) return value;
  let out = "";
  for (const ch of value) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
