import { canonical } from "../spec/schema/layout.ts";
import type { RouteDef } from "./routes.ts";

/** Where the OpenAPI document is served; stable, so clients can rely on it. */
export const OPENAPI_PATH = "/api/v1/openapi.json";

/** `/a/:id/b` → `/a/{id}/b`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z_]+)/g, "{$1}");

/** The OpenAPI 3.1 document of the given routes, built from the same schemas that validate requests. */
export function openApiDocument(routes: RouteDef[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const params = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = route.query as { properties?: Record<string, object> } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      params.push({ name, in: "query", required: false, schema: canonical(schema) as { type: string } });
    }
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      security: route.scope === null ? [] : [{ bearer: [] }],
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, doc]) => [
          status,
          {
            description: doc.description,
            ...(doc.schema || doc.contentType
              ? {
                  content: {
                    [doc.contentType ?? "application/json"]: doc.schema
                      ? { schema: canonical(doc.schema) }
                      : {},
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (route.scope !== null) operation["x-smelter-scope"] = route.scope;
    if (params.length > 0) operation.parameters = params;
    if (route.body) {
      operation.requestBody = {
        required: "text" in route.body,
        content:
          "text" in route.body
            ? { [route.body.text]: { schema: { type: "string" } } }
            : { "application/json": { schema: canonical(route.body.schema) } },
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "smelter service",
      version,
      description:
        "Task hooks called by Airflow tasks, pipeline management, health and metrics. Every endpoint except " +
        "/healthz and /readyz needs 'Authorization: Bearer <token>'. Errors are {error: {type, message, retryable, field?}}.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
