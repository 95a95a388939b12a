/**
 * The one renderer of the router's errors (lib/errors.ts is the hierarchy), as the OpenAI
 * envelope SDKs parse: `errorResponse` for a JSON answer, `errorEvent` for the error event
 * that ends a committed stream. ApiError is the error a client is meant to see.
 */
import { RouterError, type ErrorLogLine, type ErrorView } from "../lib/errors";

export interface Attempt {
  /** `<provider>/<model>` */
  model: string;
  reason: AttemptReason;
  /** Short human detail, never upstream secrets. Not part of the header vocabulary. */
  detail?: string;
  /** Epoch ms when this entry may answer again (its breaker's window, an upstream Retry-After); never rendered. */
  retryAt?: number;
}

/** DESIGN.md § HTTP contract: one vocabulary for attempt lists, headers and metric labels. */
export type AttemptReason =
  | "unconfigured"
  | "cache-unhealthy"
  | "at-capacity"
  | "cold"
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

export class ApiError extends RouterError {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly attempts: Attempt[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, opts: { type?: string; code?: string | null; param?: string | null; attempts?: Attempt[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = opts.type ?? defaultType(status);
    this.code = opts.code ?? null;
    this.param = opts.param ?? null;
    this.attempts = opts.attempts;
    this.headers = opts.headers ?? {};
  }

  override view(): ErrorView {
    const { status, type, code, param, message, headers, attempts } = this;
    return { status, type, code, param, message, headers, ...(attempts ? { attempts } : {}) };
  }

  override logLine(): ErrorLogLine | undefined {
    return this.status >= 500 ? { level: "error", event: "request.failed", fields: { status: this.status, message: this.message } } : undefined;
  }

  toBody(): { error: ErrorBody } {
    return envelope(this.view());
  }
}

/** The OpenAI error envelope of a view; attempts carry model and reason only. */
function envelope(v: ErrorView): { error: ErrorBody } {
  const error: ErrorBody = { message: v.message, type: v.type, code: v.code, param: v.param };
  if (v.attempts) error.attempts = v.attempts.map(({ model, reason }) => ({ model, reason: reason as AttemptReason }));
  return { error };
}

/** The JSON answer for an error (no body for a client that is gone). */
export function errorResponse(err: RouterError, requestId?: string): Response {
  const v = err.view(requestId);
  const idHeader: Record<string, string> = requestId ? { "X-Request-Id": requestId } : {};
  if (v.status === 499) return new Response(null, { status: 499, headers: idHeader });
  return new Response(JSON.stringify(envelope(v)), {
    status: v.status,
    headers: { "content-type": "application/json; charset=utf-8", ...retryHint(v), ...v.headers, ...idHeader },
  });
}

/**
 * The openai SDKs retry 408, 409, 429 and 5xx unless told otherwise: a request that cannot
 * succeed as sent (every other 4xx) or a router key the provider refuses says so.
 */
function retryHint(v: ErrorView): Record<string, string> {
  const clientError = v.status >= 400 && v.status < 500 && v.status !== 429;
  return clientError || v.code === "upstream_auth" ? { "x-should-retry": "false" } : {};
}

/** The payload of the one error event that ends a committed stream (no attempts: the stream's headers carry them). */
export function errorEvent(err: RouterError): { error: ErrorBody } {
  const { attempts: _, ...v } = err.view(undefined);
  return envelope(v);
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

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) => new ApiError(400, message, { type: "invalid_request_error", param, code });
