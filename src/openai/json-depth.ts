/**
 * Nesting depth of JSON text, found by one linear scan before it is parsed: nothing here
 * recurses, so 20 MiB of `[` costs one pass and no stack. Parsing (and everything after
 * it that recurses over the value) only ever sees text within the bound.
 */

export interface TooDeep {
  /** Where the bound was crossed: the first few keys and indices from the top, e.g. ["tools", 0, "function", "parameters"]. */
  path: (string | number)[];
}

/** How many leading path segments are tracked (enough to name any request parameter). */
const PATH_SEGMENTS = 4;

/**
 * The place where `text` first nests deeper than `maxDepth` containers, or undefined.
 * Malformed text is not judged here (JSON.parse does that); the scan only counts.
 */
export function findTooDeep(text: string, maxDepth: number): TooDeep | undefined {
  // Nesting needs an opening bracket per level, so text with at most maxDepth of them (every
  // stream chunk, most requests) cannot be too deep: counting them with indexOf is far cheaper
  // than the scan below (issue 10). Then a depth-only scan; the path only for the error.
  if (!hasMoreOpeners(text, maxDepth) || !nestsDeeper(text, maxDepth)) return undefined;
  return locateTooDeep(text, maxDepth);
}

function hasMoreOpeners(text: string, maxDepth: number): boolean {
  let n = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++n > maxDepth) return true;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++n > maxDepth) return true;
  return false;
}

/** The depth-only scan: strings skipped (brackets inside them do not count), no path kept. */
function nestsDeeper(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) i = stringEnd(text, i);
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if ((ch === 0x7d || ch === 0x5d) && depth > 0) depth--;
  }
  return false;
}

function locateTooDeep(text: string, maxDepth: number): TooDeep | undefined {
  // Per open container, up to PATH_SEGMENTS deep: is it an array, and its current key or index.
  const isArray: boolean[] = [];
  const key: (string | number | undefined)[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey && depth <= PATH_SEGMENTS) key[depth - 1] = decodeKey(text.slice(i, end + 1));
      expectKey = false;
      i = end;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      depth++;
      if (depth > maxDepth) return { path: pathOf(key, Math.min(depth - 1, PATH_SEGMENTS)) };
      if (depth <= PATH_SEGMENTS) {
        isArray[depth - 1] = ch === 0x5b;
        key[depth - 1] = ch === 0x5b ? 0 : undefined;
      }
      expectKey = ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      depth = Math.max(0, depth - 1);
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      if (depth >= 1 && depth <= PATH_SEGMENTS) {
        if (isArray[depth - 1]) key[depth - 1] = (key[depth - 1] as number) + 1;
        else expectKey = true;
      } else if (depth > PATH_SEGMENTS) {
        expectKey = false;
      }
    }
  }
  return undefined;
}

/** The index of the quote closing the string that opens at `start` (or the last index if unterminated). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i++;
    else if (ch === 0x22) return i;
  }
  return text.length - 1;
}

function decodeKey(raw: string): string | undefined {
  try {
    const k: unknown = JSON.parse(raw);
    return typeof k === "string" ? k : undefined;
  } catch {
    return undefined;
  }
}

function pathOf(key: readonly (string | number | undefined)[], n: number): (string | number)[] {
  const path: (string | number)[] = [];
  for (let i = 0; i < n; i++) {
    const k = key[i];
    if (k === undefined) break;
    path.push(k);
  }
  return path;
}
