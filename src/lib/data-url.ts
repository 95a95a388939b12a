/**
 * RFC 2397 data URLs: `data:[<media type>][;<parameter>]…[;base64],<data>`. Leaf module:
 * providers decide which media types they take; this only reads the URL.
 */
import { bytesToBase64 } from "./base64";

export interface DataUrl {
  /** Lower-cased; "" when the URL names none. */
  mimeType: string;
  base64: boolean;
  /** Everything after the first comma, as sent. */
  payload: string;
}

/** Undefined for anything that is not a data URL with a comma (http URLs …). */
export function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith("data:")) return undefined;
  const comma = url.indexOf(",");
  if (comma < 0) return undefined;
  const meta = url
    .slice(5, comma)
    .split(";")
    .map((s) => s.trim());
  return {
    mimeType: (meta[0] ?? "").toLowerCase(),
    base64: meta.slice(1).some((m) => m.toLowerCase() === "base64"),
    payload: url.slice(comma + 1),
  };
}

/** The payload as base64 bytes; undefined when its percent-encoding is broken. */
export function dataUrlBase64(dataUrl: DataUrl): string | undefined {
  if (dataUrl.base64) return dataUrl.payload.replace(/\s+/g, "");
  const bytes = percentDecode(dataUrl.payload);
  return bytes && bytesToBase64(bytes);
}

const UTF8 = new TextEncoder();

/** Percent-decoding to bytes, not to text: the payload may be binary. */
function percentDecode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c > 0x7f) {
      // Unescaped non-ASCII stands for its UTF-8 bytes; a surrogate pair is one character.
      const ch = String.fromCodePoint(s.codePointAt(i)!);
      out.push(...UTF8.encode(ch));
      i += ch.length - 1;
    } else out.push(c);
  }
  return Uint8Array.from(out);
}
