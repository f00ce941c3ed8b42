import { AirflowClient } from "../airflow/client.ts";
import type { AirflowConfig } from "../config.ts";
import type { AirflowContext } from "../state/executions.ts";
import type { AirflowLinks, DagSummary } from "./model.ts";

/**
 * Airflow as the web pages see it: links into Airflow's own UI (`/dags/<dag>`, `/dags/<dag>/runs/<run>`,
 * `.../tasks/<task>[/mapped/<index>]`, the routes of Airflow 3's UI) and a quick, time-boxed read of DAG state
 * and recent runs through the REST API.
 */

const seg = encodeURIComponent;

/** URL builders for Airflow's UI under `base` (the Airflow web server URL). */
export function airflowUrls(base: string) {
  const root = base.replace(/\/+$/, "");
  const dag = (dagId: string) => `${root}/dags/${seg(dagId)}`;
  const run = (dagId: string, runId: string) => `${dag(dagId)}/runs/${seg(runId)}`;
  return {
    dag,
    run,
    /** The task instance page a smelter execution came from. */
    task(ctx: AirflowContext): AirflowLinks {
      const task = `${run(ctx.dag_id, ctx.run_id)}/tasks/${seg(ctx.task_id)}`;
      return {
        run: run(ctx.dag_id, ctx.run_id),
        task: ctx.map_index >= 0 ? `${task}/mapped/${ctx.map_index}` : task,
      };
    },
  };
}

/** Reads DAG state and the latest runs; one client per service, requests capped at `timeoutMs`, no retries. */
export class AirflowReader {
  private readonly client: AirflowClient;
  readonly urls: ReturnType<typeof airflowUrls>;

  constructor(config: AirflowConfig, timeoutMs: number) {
    this.client = new AirflowClient({ ...config, timeoutMs, retries: 0 });
    this.urls = airflowUrls(config.publicUrl ?? config.url);
  }

  /** Each DAG's state and its `runs` latest runs, newest first. */
  async dags(dagIds: string[], runs: number): Promise<DagSummary[]> {
    return Promise.all(
      dagIds.map(async (dagId): Promise<DagSummary> => {
        const dag = await this.client.getDag(dagId);
        const recent = dag ? await this.client.listRuns(dagId, runs) : [];
        return {
          dagId,
          url: this.urls.dag(dagId),
          exists: dag !== undefined,
          paused: dag?.is_paused ?? null,
          importErrors: dag?.has_import_errors ?? false,
          runs: recent
            .sort((a, b) =>
              (b.start_date ?? b.logical_date ?? "").localeCompare(a.start_date ?? a.logical_date ?? ""),
            )
            .slice(0, runs)
            .map((r) => ({
              runId: r.dag_run_id,
              state: r.state,
              startDate: r.start_date,
              endDate: r.end_date,
              url: this.urls.run(dagId, r.dag_run_id),
            })),
        };
      }),
    );
  }
}
