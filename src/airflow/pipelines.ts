import { compileDagFiles } from "../compiler/generate.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { PublishedDags } from "../state/published-dags.ts";
import { type AirflowClient, type AirflowDagRun, newRunId } from "./client.ts";
import { ensurePool } from "./pools.ts";
import {
  type Publisher,
  type PublishFileOptions,
  type PublishFileResult,
  type RetiredFile,
  sha256,
} from "./publisher.ts";
import type { DagRunView, PipelineRunView, PublishedFile, PublishOptions, PublishResult } from "./views.ts";

/** A DAG file generated from a spec. */
export interface GeneratedDag {
  fileName: string;
  dagIds: string[];
  /** The DAGs of the file that "run the pipeline" triggers (every part of a split pipeline, no silver DAG). */
  entryDagIds: string[];
  content: string;
}

/** What the service's pipeline routes need from the compiler and Airflow (implemented below). */
export interface PipelineDags {
  generate(pipeline: LoadedPipeline): GeneratedDag[];
  /** Publishes every file of the pipeline, then removes the files (and DAGs) its spec no longer generates. */
  publish(pipeline: LoadedPipeline, options: PublishOptions): Promise<PublishResult>;
  /**
   * Starts a run of each of `dagIds`, all under one run id (`runId` when given: the same id again returns those
   * runs, starting none); with `wait`, once all are started, waits for every one.
   */
  trigger(dagIds: string[], options: { conf?: object; runId?: string; wait: boolean }): Promise<DagRunView[]>;
  /** The newest `limit` runs of the pipeline whose DAGs are `dagIds` (`pipelineRuns`). */
  recentRuns(dagIds: string[], limit: number): Promise<PipelineRunView[]>;
}

export type { DagRunView, PipelineRunView, PublishedFile, PublishOptions, PublishResult };

/** The compiler's output in the service's terms. */
export function generateDags(pipeline: LoadedPipeline): GeneratedDag[] {
  return compileDagFiles(pipeline).map((dag) => ({
    fileName: dag.fileName,
    dagIds: dag.dagIds,
    entryDagIds: dag.entryDagIds,
    content: dag.source,
  }));
}

/**
 * The pipeline's generated files that `files` no longer holds (src/airflow/publisher.ts `staleFiles`). A stale
 * file that defines a DAG one of `files` defines too (the silver DAG of a pipeline that becomes split) loses its
 * file at once, its DAGs left in Airflow: call this before `files` are published, so that no DAG is ever defined
 * by two files, then `retireStale` with what it returns once they are registered.
 */
export async function releaseMoved(
  publisher: Publisher,
  pipeline: LoadedPipeline,
  files: readonly GeneratedDag[],
  log?: (message: string) => void,
): Promise<RetiredFile[]> {
  const kept = files.flatMap((f) => f.dagIds);
  const stale = await publisher.staleFiles(
    pipeline.spec.name,
    files.map((f) => f.fileName),
  );
  const moved = stale.filter((file) => file.dagIds.some((id) => kept.includes(id)));
  // Only the files go now: their DAGs stay until the new files are registered (`retireStale`).
  if (moved.length > 0)
    await publisher.retire(
      moved,
      moved.flatMap((file) => file.dagIds),
      log,
    );
  return stale;
}

/**
 * Removes the `stale` files that are still there and deletes their DAGs that no file of `files` defines
 * (src/airflow/publisher.ts `retire`), and forgets their publish records; then deletes the pipeline's DAGs an
 * earlier retirement left paused (not stale yet then, or refused by Airflow) once Airflow marked them stale
 * (`sweep`).
 */
export async function retireStale(
  publisher: Publisher,
  ledger: PublishedDags | undefined,
  pipeline: LoadedPipeline,
  stale: readonly RetiredFile[],
  files: readonly GeneratedDag[],
  log?: (message: string) => void,
  timeoutMs?: number,
): Promise<RetiredFile[]> {
  const kept = files.flatMap((f) => f.dagIds);
  const out = await publisher.retire(stale, kept, log, timeoutMs);
  for (const file of out) await ledger?.forget(file.fileName);
  return [...out, ...(await publisher.sweep(pipeline.spec.name, kept, log))];
}

/**
 * Publishes every file of a pipeline and removes the files its spec no longer generates, with their DAGs, once
 * every new file is registered: when a new file fails to import, the DAGs it replaces are still in Airflow.
 */
export async function publishPipeline(
  publisher: Publisher,
  ledger: PublishedDags | undefined,
  pipeline: LoadedPipeline,
  files: readonly GeneratedDag[],
  options: PublishFileOptions,
): Promise<{ published: PublishFileResult[]; removed: RetiredFile[] }> {
  const stale = await releaseMoved(publisher, pipeline, files, options.log);
  const published: PublishFileResult[] = [];
  for (const file of files) published.push(await publishRecorded(publisher, ledger, pipeline, file, options));
  const removed = await retireStale(
    publisher,
    ledger,
    pipeline,
    stale,
    files,
    options.log,
    options.timeoutMs,
  );
  return { published, removed };
}

/** When a run was due or asked for: what newest-first means for runs. */
const runAfter = (run: AirflowDagRun): string => run.run_after ?? run.start_date ?? run.logical_date ?? "";

/** The state of a run of several DAGs: still going while a part is, then failed when a part failed. */
function wholeState(states: (string | null)[]): string | null {
  for (const state of ["running", "queued", "failed"]) if (states.includes(state)) return state;
  return states.every((s) => s === states[0]) ? states[0]! : (states.find((s) => s !== null) ?? null);
}

const earliest = (dates: (string | null | undefined)[]): string | null =>
  dates.filter((d): d is string => !!d).sort()[0] ?? null;

/**
 * The newest `limit` runs of a pipeline from the runs of its DAGs (each DAG's newest `limit`, as the runs listing
 * reads them): DAG runs that share a run id are one run of the pipeline (every part of a split pipeline started
 * together, or scheduled for the same time), so a pipeline of many parts lists as many runs as one of a single DAG.
 * A run of one DAG is that DAG's run as it is; a run of several has its parts under `parts` (by DAG id), the first
 * part's ids and logical date, the state of the whole (`wholeState`), the earliest start and the latest end (null
 * until every part ended). Newest first, by when the run was due or asked for.
 */
export function pipelineRuns(runs: readonly AirflowDagRun[], limit: number): PipelineRunView[] {
  const byId = new Map<string, AirflowDagRun[]>();
  for (const run of runs) byId.set(run.dag_run_id, [...(byId.get(run.dag_run_id) ?? []), run]);
  const newest = (group: AirflowDagRun[]) => group.map(runAfter).sort().at(-1) ?? "";
  return [...byId.values()]
    .sort((a, b) => newest(b).localeCompare(newest(a)))
    .slice(0, limit)
    .map((group) => {
      if (group.length === 1) return runView(group[0]!);
      const parts = group.map(runView).sort((a, b) => a.dag_id.localeCompare(b.dag_id));
      const ends = parts.map((p) => p.end_date ?? null);
      return {
        ...parts[0]!,
        state: wholeState(parts.map((p) => p.state)),
        start_date: earliest(parts.map((p) => p.start_date)),
        end_date: ends.includes(null) ? null : (ends as string[]).sort().at(-1)!,
        parts,
      };
    });
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
  const dags: PipelineDags = {
    generate: generateDags,
    async publish(pipeline, options): Promise<PublishResult> {
      await ensurePool(client, pipeline.spec.airflow);
      const files = generateDags(pipeline);
      // Every file is registered first; runs start once all parts are there, under one run id.
      const { published, removed } = await publishPipeline(publisher, ledger, pipeline, files, {
        unpause: options.unpause,
        timeoutMs,
      });
      const out: PublishedFile[] = published.map((r) => ({
        file_name: r.fileName,
        changed: r.changed,
        dag_ids: r.dagIds,
        run: null,
      }));
      if (options.trigger) {
        const runs = await dags.trigger(
          files.flatMap((f) => f.entryDagIds),
          { wait: options.wait },
        );
        for (const file of out) file.run = runs.find((r) => file.dag_ids?.includes(r.dag_id)) ?? null;
      }
      return {
        files: out,
        ...(removed.length > 0
          ? { removed: removed.map((r) => ({ file_name: r.fileName, dag_ids: r.dagIds })) }
          : {}),
      };
    },
    async trigger(dagIds, options) {
      const runId = options.runId ?? newRunId();
      const runs: AirflowDagRun[] = [];
      for (const dagId of dagIds) runs.push(await client.triggerRun(dagId, options.conf, runId));
      const ended = options.wait ? await Promise.all(runs.map((r) => client.awaitRun(r, timeoutMs))) : runs;
      return ended.map(runView);
    },
    async recentRuns(dagIds, limit) {
      return pipelineRuns((await Promise.all(dagIds.map((id) => client.listRuns(id, limit)))).flat(), limit);
    },
  };
  return dags;
}
