import { TransientError } from "../errors.ts";

/**
 * The few Airflow 3 REST calls (`/api/v2`) the demo needs to watch a DAG run: its state and its task instances.
 * Publishing and triggering go through the smelter service; this only reads.
 */

export interface DagRunState {
  dagRunId: string;
  state: string;
  startDate: string | null;
  endDate: string | null;
}

export interface TaskState {
  taskId: string;
  mapIndex: number;
  state: string | null;
  tryNumber: number;
  startDate: string | null;
  endDate: string | null;
}

/** Read access to one Airflow: a JWT from `POST /auth/token`, fetched once and renewed on 401. */
export class AirflowRuns {
  private token: string | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  private async login(): Promise<string> {
    const res = await this.fetch("/auth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: this.username, password: this.password }),
    });
    if (!res.ok) {
      throw new TransientError(
        `Airflow at ${this.baseUrl} refused a token for user ${this.username} (${res.status})`,
      );
    }
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token)
      throw new TransientError(`Airflow at ${this.baseUrl} answered /auth/token without a token`);
    return body.access_token;
  }

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
        ...init,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new TransientError(
        `Airflow at ${this.baseUrl} is unreachable (${(error as Error).message})`,
        error,
      );
    }
  }

  private async get<T>(path: string): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.token ??= await this.login();
      const res = await this.fetch(`/api/v2${path}`, { headers: { authorization: `Bearer ${this.token}` } });
      if (res.status === 401 && attempt === 0) {
        this.token = null;
        continue;
      }
      if (!res.ok) {
        throw new TransientError(
          `Airflow GET /api/v2${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
        );
      }
      return (await res.json()) as T;
    }
    throw new TransientError(`Airflow GET /api/v2${path} keeps answering 401`);
  }

  async dagRun(dagId: string, runId: string): Promise<DagRunState> {
    const run = await this.get<{
      dag_run_id: string;
      state: string;
      start_date: string | null;
      end_date: string | null;
    }>(`/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}`);
    return { dagRunId: run.dag_run_id, state: run.state, startDate: run.start_date, endDate: run.end_date };
  }

  async taskInstances(dagId: string, runId: string): Promise<TaskState[]> {
    const body = await this.get<{
      task_instances: {
        task_id: string;
        map_index: number;
        state: string | null;
        try_number: number;
        start_date: string | null;
        end_date: string | null;
      }[];
    }>(`/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances?limit=1000`);
    return body.task_instances.map((t) => ({
      taskId: t.task_id,
      mapIndex: t.map_index,
      state: t.state,
      tryNumber: t.try_number,
      startDate: t.start_date,
      endDate: t.end_date,
    }));
  }

  /** The UI page of a run, for people to click. */
  runUrl(dagId: string, runId: string): string {
    return `${this.baseUrl.replace(/\/$/, "")}/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`;
  }
}
