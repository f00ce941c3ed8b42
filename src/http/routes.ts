import type { Request, Response } from "express";
import type { Scope } from "../config.ts";

/** One documented response of a route. */
export interface ResponseDoc {
  description: string;
  schema?: object;
  /** Media type when not JSON (e.g. Prometheus text). */
  contentType?: string;
}

/**
 * A route of the service: how it is served and how it is documented come from this one definition, so the
 * OpenAPI document cannot list a route that does not exist or miss one that does.
 */
export interface RouteDef {
  method: "get" | "post" | "put" | "delete";
  /** Express path (`/api/v1/executions/:id`). */
  path: string;
  summary: string;
  /** Scope the bearer token needs; null for unauthenticated routes (health). */
  scope: Scope | null;
  /** JSON body schema, or a raw text body (YAML) with its media type. */
  body?: { schema: object } | { text: string };
  query?: object;
  responses: Record<number, ResponseDoc>;
  handler: (req: Request, res: Response) => unknown;
}

export const errorResponse = (description: string, schema: object): ResponseDoc => ({ description, schema });
