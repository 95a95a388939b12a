/**
 * An OpenAI image_url → a Gemini part. Data URLs become `inlineData`; a URL becomes
 * `fileData` only where the Gemini API fetches that kind of URL itself (its own Files API,
 * or a public https URL whose media type is known, on models that accept external URLs).
 * Anything else is reported as an incapability so the chain walk tries the next entry
 * instead of sending Google a part it would reject.
 */
import { dataUrlBase64, parseDataUrl } from "../../lib/data-url";
import type { GeminiPart } from "./wire";

/** Media types Gemini reads as images (plus PDF, which clients also send this way). */
const ACCEPTED_TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif", "application/pdf"]);

const BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

export type ImageConversion = { part: GeminiPart } | { incapable: string };

export function convertImage(url: string, model: string): ImageConversion {
  if (url.startsWith("data:")) return fromDataUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { incapable: "image_url is neither a data URL nor an absolute URL" };
  }
  if (parsed.protocol !== "https:") return { incapable: `Gemini fetches only https image URLs, not ${parsed.protocol.replace(":", "")}:` };
  if (parsed.hostname === "generativelanguage.googleapis.com" && /\/files\/[^/]+$/.test(parsed.pathname)) {
    return { part: { fileData: { fileUri: url } } };
  }
  if (!acceptsExternalUrls(model)) return { incapable: `${model} does not fetch external image URLs; send the image as a data URL` };
  const ext = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  const mimeType = ext ? BY_EXTENSION[ext] : undefined;
  // Gemini needs the media type of a fetched file up front; without one the request fails.
  if (!mimeType) return { incapable: "cannot tell the image type of the URL; send the image as a data URL" };
  return { part: { fileData: { mimeType, fileUri: url } } };
}

/** External URL fetching arrived with the 2.5 generation; older models reject such parts. */
function acceptsExternalUrls(model: string): boolean {
  const m = /^gemini-(\d+)(?:\.(\d+))?/.exec(model);
  if (!m) return true;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  return major > 2 || (major === 2 && minor >= 5);
}

function fromDataUrl(url: string): ImageConversion {
  const dataUrl = parseDataUrl(url);
  if (!dataUrl) return { incapable: "malformed data URL (no comma)" };
  const { mimeType } = dataUrl;
  if (!mimeType) return { incapable: "data URL without a media type" };
  if (!ACCEPTED_TYPES.has(mimeType)) return { incapable: `Gemini does not accept ${mimeType} images` };
  const data = dataUrlBase64(dataUrl);
  if (data === undefined) return { incapable: "malformed percent-encoding in data URL" };
  return { part: { inlineData: { mimeType, data } } };
}
