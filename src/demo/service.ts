import { ConfigError, SmelterError, TransientError } from "../errors.ts";

/**
 * The smelter service calls the demo makes: register the example spec, publish its DAGs to Airflow (unpaused),
 * trigger a run. The service does the Airflow side of these, so the demo needs no Airflow write access.
 */

export interface TriggeredRun {
  dagId: string;
  runId: string;
  state: string | null;
}

/** A DAG run as the service lists it. */
export interface RecentRun {
  dag_id: string;
  run_id: string;
  state: string | null;
  start_date: string | null;
}

/**
 * The run unpausing a scheduled DAG started by itself (Airflow creates the run of the latest interval right away,
 * catchup or not): a scheduled run of `dagId` still queued, or started at or after `since` (a run already under way
 * before may have read the source before the demo's seed). The demo follows it instead of triggering a second run
 * that would only repeat its work.
 */
export function runStartedByUnpause(runs: RecentRun[], dagId: string, since: Date): RecentRun | undefined {
  return runs.find(
    (r) =>
      r.dag_id === dagId &&
      r.run_id.startsWith("scheduled__") &&
      (r.state === "queued" ||
        (r.start_date !== null && new Date(r.start_date).getTime() >= since.getTime())),
  );
}

export interface PublishedDag {
  fileName: string;
  changed: boolean;
  dagIds: string[];
}

export class DemoService {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(contentType ? { "content-type": contentType } : {}),
        },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(300_000),
      });
    } catch (error) {
      throw new TransientError(
        `the smelter service at ${this.baseUrl} is unreachable (${(error as Error).message}); ` +
          'is it running ("scripts/stack up service")?',
        error,
      );
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : {}) as T;
    let info: { type?: string; message?: string; retryable?: boolean } = {};
    try {
      info = (JSON.parse(text) as { error?: typeof info }).error ?? {};
    } catch {
      info = { message: text.slice(0, 300) };
    }
    const message = `service ${method} ${path} answered ${res.status}: ${info.message ?? res.statusText}`;
    if (res.status === 400 || res.status === 404 || res.status === 422) throw new ConfigError(message);
    throw new SmelterError(info.type ?? "ServiceError", message, {
      retryable: info.retryable ?? res.status >= 500,
    });
  }

  /**
   * Makes sure the service knows the pipeline with exactly this spec. A spec the service already has (from its
   * specs folder, which holds examples/ by default, or registered before) is left alone, so the demo does not
   * pin a copy that would shadow later edits of the file; otherwise the spec is registered. Returns whether it was.
   */
  async ensurePipeline(name: string, yamlText: string, hash: string): Promise<boolean> {
    const { pipelines } = await this.call<{ pipelines: { name: string; hash: string; valid: boolean }[] }>(
      "GET",
      "/api/v1/pipelines",
    );
    if (pipelines.some((p) => p.name === name && p.hash === hash && p.valid)) return false;
    await this.call("PUT", `/api/v1/pipelines/${encodeURIComponent(name)}`, yamlText, "application/yaml");
    return true;
  }

  /** Writes the pipeline's DAG files to Airflow's DAGs folder, waits until Airflow parsed them, unpauses them. */
  async publish(name: string): Promise<PublishedDag[]> {
    const body = await this.call<{ files: { file_name: string; changed: boolean; dag_ids: string[] }[] }>(
      "POST",
      `/api/v1/pipelines/${encodeURIComponent(name)}/publish`,
      JSON.stringify({ unpause: true, trigger: false, wait: false }),
      "application/json",
    );
    return body.files.map((f) => ({ fileName: f.file_name, changed: f.changed, dagIds: f.dag_ids }));
  }

  /** Resets a table's watermark: its next extract reloads it in chunks with its key set. */
  async resetWatermark(name: string, table: string): Promise<void> {
    await this.call(
      "PUT",
      `/api/v1/pipelines/${encodeURIComponent(name)}/tables/${encodeURIComponent(table)}/watermark`,
      JSON.stringify({ watermark: null }),
      "application/json",
    );
  }

  /** The latest DAG runs of the pipeline, newest first. */
  async runs(name: string): Promise<RecentRun[]> {
    const body = await this.call<{ runs: RecentRun[] }>(
      "GET",
      `/api/v1/pipelines/${encodeURIComponent(name)}/runs`,
    );
    return body.runs;
  }

  /** Triggers a run of the pipeline's main DAG (or `dagId`) and returns at once. */
  async trigger(name: string, dagId?: string): Promise<TriggeredRun> {
    const run = await this.call<{ dag_id: string; run_id: string; state: string | null }>(
      "POST",
      `/api/v1/pipelines/${encodeURIComponent(name)}/runs`,
      JSON.stringify({ ...(dagId ? { dag_id: dagId } : {}), wait: false }),
      "application/json",
    );
    return { dagId: run.dag_id, runId: run.run_id, state: run.state };
  }
}
