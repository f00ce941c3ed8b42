import pg from "pg";
import { AirflowClient } from "../../src/airflow/client.ts";
import { followRun } from "../../src/demo/follow.ts";
import { DemoService } from "../../src/demo/service.ts";

/**
 * The bench pipeline through Airflow: register and publish it with the service, trigger a run, follow it, then
 * set each task's Airflow duration beside the service's own execution time for it.
 */

export interface AirflowSettings {
  serviceUrl: string;
  apiToken: string;
  airflowUrl: string;
  airflowUser: string;
  airflowPassword: string;
  stateUrl: string;
}

export interface TaskTiming {
  task: string;
  tryNumber: number;
  /** Airflow's task instance start and end (ISO). */
  start: string | null;
  end: string | null;
  /** When the service created the execution the task followed. */
  executionCreated: Date | null;
  /** Airflow's final state of the task instance, and the service's of its execution. */
  state: string;
  executionStatus: string;
  /** Airflow's task instance start → end. */
  airflowSeconds: number;
  /** The service's execution started_at → finished_at. */
  executorSeconds: number;
  /** Execution created → started: waiting in the service's queue. */
  queuedSeconds: number;
  overheadSeconds: number;
  rows: number;
}

export interface AirflowResult {
  dagId: string;
  runId: string;
  state: string;
  /** DAG run start → end as Airflow recorded it. */
  runSeconds: number;
  /** Trigger → finished seen by the bench (includes scheduling and polling). */
  wallSeconds: number;
  /** When the bench asked the service to trigger the run (ISO). */
  triggeredAt: string;
  tasks: TaskTiming[];
  /** Rows changed at the source before the run, when the bench knows them. */
  rows?: number;
}

/** How the bench reaches the service, Airflow and the state database: the stack's, unless the environment says otherwise. */
export function airflowSettings(env: NodeJS.ProcessEnv, stateUrl: string): AirflowSettings {
  return {
    serviceUrl: env.SMELTER_SERVICE_URL ?? "http://127.0.0.1:18300",
    apiToken: env.SMELTER_API_TOKEN ?? "dev-token",
    airflowUrl: env.SMELTER_AIRFLOW_URL ?? "http://127.0.0.1:18080",
    airflowUser: env.SMELTER_AIRFLOW_USER ?? "admin",
    airflowPassword: env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
    stateUrl,
  };
}

/** Registers (when changed) and publishes the bench pipeline; unpaused, never scheduled (schedule: null). */
export async function publishBench(
  s: AirflowSettings,
  name: string,
  yaml: string,
  hash: string,
): Promise<void> {
  const service = new DemoService(s.serviceUrl, s.apiToken);
  await service.ensurePipeline(name, yaml, hash);
  await service.publish(name);
}

const seconds = (from: string | null | undefined, to: string | null | undefined): number =>
  from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : Number.NaN;

/** Triggers one run, follows it to the end and returns per-task timings. */
export async function airflowRun(
  s: AirflowSettings,
  name: string,
  write: (line: string) => void,
): Promise<AirflowResult> {
  const service = new DemoService(s.serviceUrl, s.apiToken);
  const airflow = new AirflowClient({ url: s.airflowUrl, user: s.airflowUser, password: s.airflowPassword });
  const started = performance.now();
  const triggeredAt = new Date().toISOString();
  const run = await service.trigger(name);
  const followed = await followRun(airflow, s.airflowUrl, run.dagId, run.runId, {
    timeoutMs: 3_600_000,
    pollMs: 1000,
    write,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const dagRun = await airflow.getRun(run.dagId, run.runId);
  const state = new pg.Client({ connectionString: s.stateUrl });
  await state.connect();
  try {
    const { rows } = await state.query<{
      task_id: string;
      status: string;
      created_at: Date;
      started_at: Date | null;
      finished_at: Date | null;
      metrics: Record<string, unknown> | null;
    }>(
      // The execution a task followed: the step's, or with `layout: table` the chain that names its steps
      // as children; the latest try's.
      `SELECT DISTINCT ON (airflow->>'task_id') airflow->>'task_id' AS task_id, status, created_at, started_at,
              finished_at, metrics
         FROM smelter.executions
        WHERE airflow->>'dag_id' = $1 AND airflow->>'run_id' = $2 AND parent_id IS NULL
        ORDER BY airflow->>'task_id', (airflow->>'try_number')::int DESC, created_at DESC`,
      [run.dagId, run.runId],
    );
    const tasks = followed.tasks.map((ti): TaskTiming => {
      const ex = rows.find((r) => r.task_id === ti.task_id);
      const executorSeconds = seconds(ex?.started_at?.toISOString(), ex?.finished_at?.toISOString());
      const airflowSeconds = seconds(ti.start_date, ti.end_date);
      const metrics = (ex?.metrics ?? {}) as Record<string, unknown>;
      // A chain's metrics hold its steps' under `steps`; the rows are its extract's.
      const steps = metrics.steps as Record<string, Record<string, number>> | undefined;
      const m = (steps?.extract ?? metrics) as Record<string, number>;
      return {
        task: ti.task_id,
        tryNumber: ti.try_number ?? 1,
        start: ti.start_date ?? null,
        end: ti.end_date ?? null,
        executionCreated: ex?.created_at ?? null,
        state: ti.state ?? "none",
        executionStatus: ex?.status ?? "none",
        airflowSeconds,
        executorSeconds,
        queuedSeconds: seconds(ex?.created_at.toISOString(), ex?.started_at?.toISOString()),
        overheadSeconds: airflowSeconds - executorSeconds,
        rows: Number(m.rowsLanded ?? m.rows_landed ?? m.rowsRead ?? m.rows_read ?? 0),
      };
    });
    return {
      dagId: run.dagId,
      runId: run.runId,
      state: followed.state,
      runSeconds: seconds(dagRun.start_date, dagRun.end_date),
      wallSeconds,
      triggeredAt,
      tasks: tasks.sort((a, b) => a.task.localeCompare(b.task)),
    };
  } finally {
    await state.end();
  }
}
