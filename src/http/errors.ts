import type { Static } from "@sinclair/typebox";
import type { NextFunction, Request, Response } from "express";
import { SmelterError, toErrorInfo } from "../errors.ts";
import type { errorSchema } from "./schemas.ts";

/** Wire form of an error response: `{"error": {type, message, retryable, field?}}`. */
export type ErrorBody = Static<typeof errorSchema>;

/** An error with its HTTP status; `field` is the JSON pointer of the offending part of the request. */
export class HttpError extends SmelterError {
  constructor(
    readonly status: number,
    type: string,
    message: string,
    options: { retryable?: boolean; field?: string; headers?: Record<string, string> } = {},
  ) {
    super(type, message, { retryable: options.retryable ?? false });
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
}

export const notFound = (what: string): HttpError => new HttpError(404, "NotFound", `${what} does not exist`);

/** Status codes of SmelterErrors raised below the HTTP layer. */
const STATUS_OF: Record<string, number> = { ConfigError: 400, SpecErrors: 400, Busy: 409, Cancelled: 409 };

/** Express error handler: every failure becomes an ErrorBody; unexpected ones are logged, not leaked raw. */
export function errorHandler(report: (res: Response, message: string) => void) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof HttpError) {
      res.set(error.headers);
      const body: ErrorBody = { error: { ...error.toInfo() } };
      if (error.field !== undefined) body.error.field = error.field;
      res.status(error.status).json(body);
      return;
    }
    const bodyParser = error as { type?: string; status?: number; limit?: number };
    if (bodyParser.type === "entity.too.large") {
      res.status(413).json({
        error: {
          type: "PayloadTooLarge",
          message: `request body exceeds ${bodyParser.limit} bytes`,
          retryable: false,
        },
      });
      return;
    }
    if (bodyParser.type === "entity.parse.failed") {
      res.status(400).json({
        error: {
          type: "MalformedBody",
          message: "request body is not valid JSON",
          retryable: false,
          field: "",
        },
      });
      return;
    }
    const info = toErrorInfo(error);
    const status = error instanceof SmelterError ? (STATUS_OF[error.type] ?? 500) : 500;
    if (status === 500)
      report(res, `${req.method} ${req.path} failed: ${(error as Error).stack ?? info.message}`);
    res.status(status).json({ error: info } satisfies ErrorBody);
  };
}
