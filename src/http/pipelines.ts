import type { Request, Response } from "express";
import type { GeneratedDag, PipelineDags } from "../airflow/pipelines.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { HttpError, notFound } from "./errors.ts";
import type { RouteDef } from "./routes.ts";
import {
  errorSchema,
  generatedSchema,
  pipelineDetailSchema,
  pipelineListSchema,
  publishBodySchema,
  publishResultSchema,
  runsSchema,
  triggerBodySchema,
  triggerResultSchema,
} from "./schemas.ts";
import { validator } from "./validate.ts";

export interface PipelineRouteDeps {
  catalog: PipelineCatalog;
  /** Absent when the service has no Airflow configured: generate still works, the rest answer 503. */
  dags: PipelineDags | undefined;
  generate: (pipeline: LoadedPipeline) => GeneratedDag[];
}

const err = (description: string) => ({ description, schema: errorSchema });

/** Pipelines: register, list, show, generate, publish, trigger, recent runs. */
export function pipelineRoutes(deps: PipelineRouteDeps): RouteDef[] {
  const checkPublish = validator(publishBodySchema);
  const checkTrigger = validator(triggerBodySchema);
  const load = async (name: string): Promise<LoadedPipeline> => {
    const pipeline = await deps.catalog.get(name);
    if (!pipeline) throw notFound(`pipeline ${name}`);
    return pipeline;
  };
  const airflow = (): PipelineDags => {
    if (!deps.dags) {
      throw new HttpError(
        503,
        "AirflowNotConfigured",
        "this service has no Airflow configured (SMELTER_AIRFLOW_URL)",
      );
    }
    return deps.dags;
  };
  const dagIdsOf = (pipeline: LoadedPipeline): string[] => deps.generate(pipeline).flatMap((d) => d.dagIds);
  const entryDagIdsOf = (pipeline: LoadedPipeline): string[] =>
    deps.generate(pipeline).flatMap((d) => d.entryDagIds);

  return [
    {
      method: "get",
      path: "/api/v1/pipelines",
      summary: "Pipelines the service knows (registered and from the specs folder)",
      scope: "read",
      responses: { 200: { description: "pipelines", schema: pipelineListSchema } },
      handler: async (_req, res) => {
        const entries = await deps.catalog.list();
        res.json({
          pipelines: entries.map((e) => ({
            name: e.name,
            origin: e.origin,
            file: e.file,
            hash: e.hash,
            valid: e.pipeline !== undefined,
            ...(e.error !== undefined ? { error: e.error } : {}),
            ...(e.pipeline
              ? { tables: e.pipeline.spec.tables.map((t) => t.name), dag_ids: dagIdsOf(e.pipeline) }
              : {}),
          })),
        });
      },
    },
    {
      method: "put",
      path: "/api/v1/pipelines/:name",
      summary: "Register or update a pipeline from its YAML spec (validated)",
      scope: "admin",
      body: { text: "application/yaml" },
      responses: {
        200: { description: "updated (or unchanged)", schema: pipelineDetailSchema },
        201: { description: "registered", schema: pipelineDetailSchema },
        400: err("the spec is invalid; the message lists every problem"),
      },
      handler: async (req: Request, res: Response) => {
        if (typeof req.body !== "string" || req.body.trim() === "") {
          throw new HttpError(
            400,
            "ValidationError",
            "send the pipeline's YAML spec as the body (Content-Type: application/yaml)",
            {
              field: "",
            },
          );
        }
        const name = String(req.params.name);
        const { pipeline, created } = await deps.catalog.register(name, req.body);
        res.status(created ? 201 : 200).json(detail(pipeline, "registered"));
      },
    },
    {
      method: "get",
      path: "/api/v1/pipelines/:name",
      summary: "A pipeline's loaded spec with defaults filled in",
      scope: "read",
      responses: {
        200: { description: "the pipeline", schema: pipelineDetailSchema },
        404: err("unknown pipeline"),
      },
      handler: async (req, res) => {
        const entry = await deps.catalog.entry(String(req.params.name));
        if (!entry) throw notFound(`pipeline ${req.params.name}`);
        if (!entry.pipeline) throw new HttpError(400, "ConfigError", `${entry.file}: ${entry.error}`);
        res.json(detail(entry.pipeline, entry.origin));
      },
    },
    {
      method: "delete",
      path: "/api/v1/pipelines/:name",
      summary: "Forget a registered pipeline (spec files and published DAGs are left alone)",
      scope: "admin",
      responses: { 204: { description: "forgotten" }, 404: err("no registered pipeline of that name") },
      handler: async (req, res) => {
        if (!(await deps.catalog.unregister(String(req.params.name)))) {
          throw notFound(`registered pipeline ${req.params.name}`);
        }
        res.status(204).end();
      },
    },
    {
      method: "get",
      path: "/api/v1/pipelines/:name/dag",
      summary: "The DAG file(s) generated from the pipeline",
      scope: "read",
      responses: {
        200: { description: "generated files", schema: generatedSchema },
        404: err("unknown pipeline"),
      },
      handler: async (req, res) => {
        const files = deps.generate(await load(String(req.params.name)));
        res.json({
          files: files.map((f) => ({ file_name: f.fileName, dag_ids: f.dagIds, content: f.content })),
        });
      },
    },
    {
      method: "post",
      path: "/api/v1/pipelines/:name/publish",
      summary: "Publish the pipeline's DAG(s) to Airflow; unchanged files are skipped",
      scope: "admin",
      body: { schema: publishBodySchema },
      responses: {
        200: { description: "publish report", schema: publishResultSchema },
        404: err("unknown pipeline"),
        422: err("Airflow reported an import error for the file"),
        503: err("no Airflow configured, or Airflow unreachable"),
      },
      handler: async (req, res) => {
        const options = checkPublish(req.body ?? {});
        res.json(await airflow().publish(await load(String(req.params.name)), options));
      },
    },
    {
      method: "post",
      path: "/api/v1/pipelines/:name/runs",
      summary: "Trigger a DAG run of the pipeline (of every part when it is split across several DAGs)",
      scope: "admin",
      body: { schema: triggerBodySchema },
      responses: {
        200: { description: "the run (finished, with wait)", schema: triggerResultSchema },
        201: { description: "the run was created", schema: triggerResultSchema },
        404: err("unknown pipeline or DAG"),
        503: err("no Airflow configured, or Airflow unreachable"),
      },
      handler: async (req, res) => {
        const body = checkTrigger(req.body ?? {});
        const pipeline = await load(String(req.params.name));
        const dagIds = dagIdsOf(pipeline);
        if (body.dag_id !== undefined && !dagIds.includes(body.dag_id)) {
          throw new HttpError(
            404,
            "NotFound",
            `pipeline ${pipeline.spec.name} has no DAG ${body.dag_id} (it has ${dagIds.join(", ")})`,
            {
              field: "/dag_id",
            },
          );
        }
        const targets = body.dag_id === undefined ? entryDagIdsOf(pipeline) : [body.dag_id];
        const runs = await airflow().trigger(targets, {
          ...(body.conf ? { conf: body.conf } : {}),
          ...(body.run_id ? { runId: body.run_id } : {}),
          wait: body.wait,
        });
        res.status(body.wait ? 200 : 201).json({ ...runs[0]!, ...(runs.length > 1 ? { parts: runs } : {}) });
      },
    },
    {
      method: "get",
      path: "/api/v1/pipelines/:name/runs",
      summary:
        "The pipeline's 25 newest runs, from Airflow; the DAG runs of every part of a split pipeline under one run id are one run",
      scope: "read",
      responses: {
        200: {
          description: "runs, newest first, each with its parts' runs when it ran several DAGs",
          schema: runsSchema,
        },
        404: err("unknown pipeline"),
        503: err("no Airflow configured, or Airflow unreachable"),
      },
      handler: async (req, res) => {
        const pipeline = await load(String(req.params.name));
        res.json({ runs: await airflow().recentRuns(dagIdsOf(pipeline), 25) });
      },
    },
  ];
}

function detail(pipeline: LoadedPipeline, origin: string) {
  return { name: pipeline.spec.name, origin, file: pipeline.file, hash: pipeline.hash, spec: pipeline.spec };
}
