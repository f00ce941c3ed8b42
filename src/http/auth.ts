import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { ApiToken, Scope } from "../config.ts";
import { HttpError } from "./errors.ts";

/** The token name a request was authenticated with, for logs. */
export const tokenNameOf = (res: Response): string | undefined => res.locals.tokenName as string | undefined;

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/**
 * Bearer authentication. Every configured token is compared (constant time, on digests so lengths do not leak)
 * before deciding, so the time taken does not tell which token came close.
 */
export function authenticate(tokens: readonly ApiToken[]) {
  const known = tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  return (scope: Scope) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const header = req.get("authorization");
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) {
        next(
          new HttpError(401, "Unauthorized", "missing bearer token: send 'Authorization: Bearer <token>'", {
            headers: { "WWW-Authenticate": 'Bearer realm="smelter"' },
          }),
        );
        return;
      }
      const presented = digest(match[1]!);
      let found: (typeof known)[number] | undefined;
      for (const t of known) {
        if (timingSafeEqual(t.digest, presented) && found === undefined) found = t;
      }
      if (!found) {
        next(
          new HttpError(401, "Unauthorized", "invalid bearer token", {
            headers: { "WWW-Authenticate": 'Bearer realm="smelter", error="invalid_token"' },
          }),
        );
        return;
      }
      if (!found.scopes.has(scope)) {
        next(
          new HttpError(403, "Forbidden", `token ${found.name} lacks the ${scope} scope this endpoint needs`),
        );
        return;
      }
      res.locals.tokenName = found.name;
      next();
    };
}
