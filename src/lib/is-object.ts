/** A plain JSON object (not null, not an array). Leaf module: imports nothing of ours. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
