/**
 * An OpenAI image_url → what Ollama's `images` takes: base64 bytes without the `data:`
 * prefix. Ollama fetches nothing itself, so only inline (data:) images can be sent.
 */
import { dataUrlBase64, parseDataUrl } from "../../lib/data-url";

/** The base64 payload of a `data:image/…` URL, or undefined for anything else (http URLs …). */
export function dataUrlImage(url: string): string | undefined {
  const dataUrl = parseDataUrl(url.trim());
  if (!dataUrl) return undefined;
  if (dataUrl.mimeType !== "" && !dataUrl.mimeType.startsWith("image/")) return undefined;
  return dataUrlBase64(dataUrl);
}
