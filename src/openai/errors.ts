/**
 * The one error hierarchy of the router. Every error a client can see is an ApiError;
 * `app.onError` is the only place that renders it, as the OpenAI envelope SDKs parse.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface Attempt {
  /** `<provider>/<model>` */
  model: string;
  reason: AttemptReason;
  /** Short human detail, never upstream secrets. Not part of the header vocabulary. */
  detail?: string;
}

/** DESIGN.md § HTTP contract: one vocabulary for attempt lists, headers and metric labels. */
export type AttemptReason =
  | "unconfigured"
  | "cache-unhealthy"
  | "incapable"
  | "model-not-found"
  | "context-length"
  | "connect"
  | "timeout"
  | "http-5xx"
  | "rate-limited"
  | "malformed"
  | "stream-error";

export interface ErrorBody {
  message: string;
  type: string;
  code: string | null;
  param: string | null;
  attempts?: Attempt[];
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly attempts: Attempt[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    opts: { type?: string; code?: string | null; param?: string | null; attempts?: Attempt[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = opts.type ?? defaultType(status);
    this.code = opts.code ?? null;
    this.param = opts.param ?? null;
    this.attempts = opts.attempts;
    this.headers = opts.headers ?? {};
  }

  toBody(): { error: ErrorBody } {
    const error: ErrorBody = { message: this.message, type: this.type, code: this.code, param: this.param };
    if (this.attempts) error.attempts = this.attempts.map(({ model, reason }) => ({ model, reason }));
    return { error };
  }

  getResponse(extraHeaders: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toBody()), {
      status: this.status,
      headers: { "content-type": "application/json; charset=utf-8", ...this.headers, ...extraHeaders },
    });
  }
}

function defaultType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "invalid_request_error";
  if (status === 422) return "content_blocked";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, { type: "invalid_request_error", param, code });
