/**
 * Every bound on what a client request may contain, in one place (STYLE: every bound is
 * explicit). Each is far above what a real client sends — OpenAI's own limits are lower
 * (128 tools, 2,048 embedding inputs) — so only hostile or broken input meets them.
 */

/** `model` reaches response headers, logs and metrics: short, and no control characters. */
export const MAX_MODEL_LENGTH = 256;

/**
 * Nesting depth of any JSON body (the body object itself is level 1). Request
 * serialisation and schema converters recurse; 64 leaves a JSON schema ~60 levels.
 */
export const MAX_JSON_DEPTH = 64;

export const MAX_MESSAGES = 10_000;
export const MAX_CONTENT_PARTS = 1_000;
export const MAX_TOOLS = 1_000;
export const MAX_TOOL_CALLS = 1_000;
/** Tool and function names (OpenAI allows 64 characters). */
export const MAX_NAME_LENGTH = 256;
export const MAX_EMBEDDING_INPUTS = 10_000;
