/**
 * The base of the router's one error hierarchy (issue 9 point 4). Every error class extends
 * RouterError and says how a client sees it and what the log records when it ends a
 * request; openai/errors.ts is the one renderer, and never needs to know the subclass.
 * Leaf module: imports nothing outside src/lib/.
 */
import type { LogLevel } from "./log";

/** What a client is shown. Status 499 (client gone) means: nobody to send a body to. */
export interface ErrorView {
  status: number;
  type: string;
  code: string | null;
  param: string | null;
  message: string;
  headers: Readonly<Record<string, string>>;
  /** Entry-by-entry reasons, when a chain walk produced this error. */
  attempts?: readonly { model: string; reason: string }[];
}

export interface ErrorLogLine {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

/**
 * By default an error is ours and unexpected (an internal signal such as a typed upstream
 * failure or a deadline that escaped the code meant to catch it): 500 internal_error, the
 * details and stack only in the log.
 */
export class RouterError extends Error {
  view(requestId: string | undefined): ErrorView {
    return { status: 500, type: "server_error", code: "internal_error", param: null, message: `Internal error (request id ${requestId ?? "unknown"})`, headers: {} };
  }

  logLine(): ErrorLogLine | undefined {
    return { level: "error", event: "request.unhandled", fields: { error: `${this.name}: ${this.message}`, stack: this.stack } };
  }
}

/** Wraps anything thrown that is not a RouterError, so the renderer sees one type. */
class UnexpectedError extends RouterError {
  constructor(readonly thrown: unknown) {
    super(thrown instanceof Error ? thrown.message : String(thrown));
    this.name = "UnexpectedError";
  }

  override logLine(): ErrorLogLine {
    const c = this.thrown;
    return { level: "error", event: "request.unhandled", fields: { error: c instanceof Error ? `${c.name}: ${c.message}` : String(c), stack: c instanceof Error ? c.stack : undefined } };
  }
}

/** The router's own configuration is unusable: the operator's problem, not the caller's. */
export class MisconfigurationError extends RouterError {
  override view(): ErrorView {
    return { status: 500, type: "server_error", code: "invalid_configuration", param: null, message: `Router misconfigured: ${this.message}`, headers: {} };
  }

  override logLine(): ErrorLogLine {
    return { level: "error", event: "config.invalid", fields: { message: this.message } };
  }
}

/** The client disconnected: stop everything, answer nobody (499, as nginx logs it). */
export class ClientGone extends RouterError {
  constructor() {
    super("client disconnected");
    this.name = "ClientGone";
  }

  override view(): ErrorView {
    return { status: 499, type: "client_gone", code: null, param: null, message: this.message, headers: {} };
  }

  override logLine(): ErrorLogLine {
    return { level: "info", event: "request.client_gone", fields: {} };
  }
}

/** The error to render for anything thrown. */
export function asRouterError(err: unknown): RouterError {
  return err instanceof RouterError ? err : new UnexpectedError(err);
}
