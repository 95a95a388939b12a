/** Standard base64 (RFC 4648 §4). Leaf module: imports nothing of ours. */

/** fromCharCode takes its bytes as arguments: chunked, so a large image never overflows the call. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}
