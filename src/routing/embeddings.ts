/**
 * Embeddings through the same walk. Fallback never changes the vector space silently:
 * only entries naming the first entry's model qualify, unless the alias vouches for all
 * of them with `same_vector_space: true`.
 */
import type { EmbeddingsRequest } from "../openai/schemas";
import type { EmbeddingsResult } from "../openai/responses";
import { UpstreamError } from "../providers/failures";
import { isTimedOut, Watchdog } from "./watchdog";
import type { ResolvedChain } from "./resolve";
import { walkChain, type Walked, type WalkContext } from "./walk";
import { bytesToBase64 } from "../lib/base64";

function embeddingInputs(input: EmbeddingsRequest["input"]): string[] | number[][] {
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as string[] | number[][];
}

export async function walkEmbeddings(ctx: WalkContext, chain: ResolvedChain, request: EmbeddingsRequest): Promise<Walked<EmbeddingsResult>> {
  const inputs = embeddingInputs(request.input);
  const space = chain.entries[0]?.model;
  return walkChain(ctx, chain, {
    skip: (entry) => (chain.sameVectorSpace || entry.model === space ? undefined : "incapable"),
    capable: () => undefined,
    async call({ provider, adapter, entry, cold }) {
      const ac = new AbortController();
      const watchdog = new Watchdog(ctx.clock);
      const onParent = () => ac.abort(ctx.signal.reason);
      ctx.signal.addEventListener("abort", onParent);
      try {
        // An embeddings answer arrives whole: its first byte is the answer.
        const budget = cold ? ctx.settings.ollamaLoadTimeoutMs : ctx.settings.firstByteTimeoutMs;
        const due = Math.min(ctx.clock.now() + budget, ctx.deadline);
        const pending = adapter.embed({ provider, model: entry.model, request, inputs, signal: ac.signal });
        const r = await watchdog.race(pending, due);
        if (isTimedOut(r)) {
          pending.catch(() => {});
          const err = new UpstreamError({ kind: "timeout", phase: "first-byte" });
          ac.abort(err);
          throw err;
        }
        if (r.vectors.length !== inputs.length) throw new UpstreamError({ kind: "malformed", message: `expected ${inputs.length} vectors, got ${r.vectors.length}` });
        return r;
      } finally {
        watchdog.stop();
        ctx.signal.removeEventListener("abort", onParent);
      }
    },
  });
}

/** `encoding_format: "base64"`: little-endian float32, as OpenAI sends it. */
export function vectorToBase64(vector: readonly number[]): string {
  return bytesToBase64(new Uint8Array(new Float32Array(vector).buffer));
}
