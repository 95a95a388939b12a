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
        const problem = vectorProblem(r.vectors);
        if (problem) throw new UpstreamError({ kind: "malformed", message: `embeddings answer refused: ${problem}` });
        return r;
      } finally {
        watchdog.stop();
        ctx.signal.removeEventListener("abort", onParent);
      }
    },
  });
}

/**
 * Whatever an adapter's schema let through, one answer is one vector space: every vector
 * non-empty, all of one length, every value a finite number (JSON's 1e309 parses as
 * Infinity). Anything else would reach a client as a 200 it cannot use.
 */
function vectorProblem(vectors: readonly unknown[]): string | undefined {
  const first = vectors[0];
  const dims = Array.isArray(first) ? first.length : 0;
  for (const [i, v] of vectors.entries()) {
    if (!Array.isArray(v) || v.length === 0) return `vector ${i} is empty or not a list`;
    if (v.length !== dims) return `vector ${i} has ${v.length} dimensions, vector 0 has ${dims}`;
    if (!v.every((x) => typeof x === "number" && Number.isFinite(x))) return `vector ${i} holds a value that is not a finite number`;
  }
  return undefined;
}

/** `encoding_format: "base64"`: little-endian float32, as OpenAI sends it. */
export function vectorToBase64(vector: readonly number[]): string {
  return bytesToBase64(new Uint8Array(new Float32Array(vector).buffer));
}
