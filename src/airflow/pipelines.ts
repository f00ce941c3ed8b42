import { compilePipeline } from "../compiler/generate.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { PublishedDags } from "../state/published-dags.ts";
import type { AirflowClient, AirflowDagRun } from "./client.ts";
import { ensurePool } from "./pools.ts";
import { type Publisher, type PublishFileOptions, type PublishFileResult, sha256 } from "./publisher.ts";
import type { DagRunView, PublishedFile, PublishOptions } from "./views.ts";

/** A DAG file generated from a spec. */
export interface GeneratedDag {
  fileName: string;
  dagIds: string[];
  content: string;
}

/** What the service's pipeline routes need from the compiler and Airflow (implemented below). */
export interface PipelineDags {
  generate(pipeline: LoadedPipeline): GeneratedDag[];
  publish(pipeline: LoadedPipeline, options: PublishOptions): Promise<PublishedFile[]>;
  /** Starts a run (under `runId` when given: the same id again returns that run, starting none). */
  trigger(dagId: string, options: { conf?: object; runId?: string; wait: boolean }): Promise<DagRunView>;
  recentRuns(dagIds: string[], limit: number): Promise<DagRunView[]>;
}

export type { DagRunView, PublishedFile, PublishOptions };

/** The compiler's output in the service's terms. */
export function generateDags(pipeline: LoadedPipeline): GeneratedDag[] {
  const dag = compilePipeline(pipeline);
  return [{ fileName: dag.fileName, dagIds: dag.dagIds, content: dag.source }];
}

export const runView = (run: AirflowDagRun): DagRunView => ({
  dag_id: run.dag_id,
  run_id: run.dag_run_id,
  state: run.state,
  logical_date: run.logical_date,
  start_date: run.start_date,
  end_date: run.end_date,
});

/**
 * Publishes one generated file and, once Airflow registered it, records what was published (content hash,
 * spec hash, DAG ids) so that reconcile can report drift.
 */
export async function publishRecorded(
  publisher: Publisher,
  ledger: PublishedDags | undefined,
  pipeline: LoadedPipeline,
  file: GeneratedDag,
  options: PublishFileOptions,
): Promise<PublishFileResult> {
  const result = await publisher.publishFile(file, options);
  await ledger?.record({
    dagFile: file.fileName,
    pipeline: pipeline.spec.name,
    contentHash: sha256(file.content),
    specHash: pipeline.hash,
    dagIds: file.dagIds,
  });
  return result;
}

/** Pipeline operations of the service backed by the compiler, the publisher and the Airflow client. */
export function airflowPipelineDags(
  client: AirflowClient,
  publisher: Publisher,
  ledger?: PublishedDags,
  timeoutMs = 300_000,
): PipelineDags {
  return {
    generate: generateDags,
    async publish(pipeline, options): Promise<PublishedFile[]> {
      await ensurePool(client, pipeline.spec.airflow);
      const out: PublishedFile[] = [];
      for (const file of generateDags(pipeline)) {
        const r = await publishRecorded(publisher, ledger, pipeline, file, { ...options, timeoutMs });
        out.push({
          file_name: r.fileName,
          changed: r.changed,
          dag_ids: r.dagIds,
          run: r.run ? runView(r.run) : null,
        });
      }
      return out;
    },
    async trigger(dagId, options) {
      let run = await client.triggerRun(dagId, options.conf, options.runId);
      if (options.wait) run = await client.awaitRun(run, timeoutMs);
      return runView(run);
    },
    async recentRuns(dagIds, limit) {
      const runs = (await Promise.all(dagIds.map((id) => client.listRuns(id, limit)))).flat().map(runView);
      return runs.sort((a, b) => (b.start_date ?? "").localeCompare(a.start_date ?? "")).slice(0, limit);
    },
  };
}
