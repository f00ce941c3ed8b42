import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import pg from "pg";
import { parseTokens } from "../../../src/config.ts";
import { createApp } from "../../../src/http/app.ts";
import { ServiceMetrics } from "../../../src/http/metrics.ts";
import { OPENAPI_PATH, openApiPath } from "../../../src/http/openapi.ts";
import { serviceLog } from "../../../src/log.ts";
import type { ExecutionStore } from "../../../src/state/executions.ts";
import type { PipelineCatalog } from "../../../src/state/pipelines.ts";

const packageVersion = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

function buildApp() {
  // Building the app opens no connection: the pool connects on first query, which this test never makes.
  const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none" });
  return createApp({
    tokens: parseTokens({ SMELTER_API_TOKEN: "t" }),
    pool,
    store: {} as ExecutionStore,
    catalog: {} as PipelineCatalog,
    metrics: new ServiceMetrics(),
    maxQueue: 1,
    publicUrl: "http://x",
    worker: { active: 0, draining: false, wake() {} },
    generate: () => [],
    log: serviceLog({ format: "json", level: "silent" }),
  });
}

test("every served route is in the OpenAPI document and every documented route is served", async () => {
  const app = buildApp();
  const served = new Set(
    (app.router.stack as Layer[])
      .filter((l) => l.route)
      .flatMap((l) =>
        Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${openApiPath(l.route!.path)}`),
      ),
  );
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  try {
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}${OPENAPI_PATH}`, {
      headers: { authorization: "Bearer t" },
    });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.openapi, "3.1.0");
    assert.equal(doc.info.version, packageVersion, "the API's version is package.json's");
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    assert.deepEqual([...served].sort(), [...documented].sort());
    for (const expected of [
      "POST /api/v1/executions",
      "GET /api/v1/executions/{id}",
      "GET /api/v1/executions/{id}/logs",
      "POST /api/v1/executions/{id}/cancel",
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
    ]) {
      assert.ok(served.has(expected), `${expected} is served`);
    }
  } finally {
    server.close();
  }
});

test("every schema in the OpenAPI document compiles as JSON Schema 2020-12", async () => {
  const app = buildApp();
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  try {
    const { port } = server.address() as { port: number };
    const doc = (await fetch(`http://127.0.0.1:${port}${OPENAPI_PATH}`, {
      headers: { authorization: "Bearer t" },
    }).then((r) => r.json())) as {
      paths: Record<string, Record<string, { responses: object; requestBody?: object }>>;
    };
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const schemas: object[] = [];
    const collect = (node: unknown): void => {
      if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "schema" && v && typeof v === "object") schemas.push(v);
          else collect(v);
        }
      }
    };
    collect(doc.paths);
    assert.ok(schemas.length > 10);
    for (const schema of schemas) ajv.compile(schema);
  } finally {
    server.close();
  }
});
