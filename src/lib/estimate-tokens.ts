/** Token estimates for providers that report none. Leaf module: imports nothing of ours. */

/**
 * About four characters per token, the usual estimate for English text, summed per text.
 * `minPerText` is the floor one text costs (a provider may bill an empty text as a token).
 */
export function estimateTokens(texts: readonly string[], minPerText = 0): number {
  return texts.reduce((n, t) => n + Math.max(minPerText, Math.ceil(t.length / 4)), 0);
}
