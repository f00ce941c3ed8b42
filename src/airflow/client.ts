import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import axios, { type AxiosInstance, type AxiosRequestConfig, isAxiosError } from "axios";
import { SmelterError } from "../errors.ts";

/** A response body as axios hands it over; read through `detailOf` or cast by the typed methods. */
// biome-ignore lint/suspicious/noExplicitAny: bodies are typed by each method that returns them
type AirflowBody = any;

/** An Airflow REST call failed: names the endpoint, the status and Airflow's own message. */
export class AirflowError extends SmelterError {
  constructor(
    readonly endpoint: string,
    readonly status: number | null,
    detail: string,
  ) {
    const retryable = status === null || status === 429 || status >= 500;
    super("AirflowError", `Airflow ${endpoint}: ${status ?? "no response"}: ${detail}`, { retryable });
  }
}

export interface AirflowDag {
  dag_id: string;
  is_paused: boolean;
  fileloc: string;
  file_token?: string;
  has_import_errors?: boolean;
  last_parsed_time?: string | null;
  /** Airflow 3: the DAG's file is gone from its bundle (the dag processor marks it at its next refresh). */
  is_stale?: boolean;
  /** Airflow 2: false once the DAG's file is gone. */
  is_active?: boolean;
}

export interface AirflowImportError {
  filename: string;
  stack_trace: string;
  timestamp: string;
}

export interface AirflowDagRun {
  dag_id: string;
  dag_run_id: string;
  state: string | null;
  logical_date: string | null;
  start_date: string | null;
  end_date: string | null;
  /** When the run was due or asked for (Airflow 3; absent from Airflow 2's answers). */
  run_after?: string | null;
}

export interface AirflowPool {
  name: string;
  slots: number;
  description?: string | null;
  include_deferred?: boolean;
}

/**
 * A run id for a DAG run smelter triggers: `smelter__<UTC time>_<6 hex>`, unique and sortable, in the
 * characters Airflow accepts in run ids.
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `smelter__${stamp}_${randomBytes(3).toString("hex")}`;
}

export interface AirflowTaskInstance {
  task_id: string;
  map_index: number;
  state: string | null;
  try_number: number;
  start_date: string | null;
  end_date: string | null;
}

/** Page size asked of Airflow; its default `maximum_page_limit`, so the answer is never silently shorter. */
const PAGE = 100;

export interface AirflowClientOptions {
  url: string;
  user: string;
  password: string;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
  /** Retries of 5xx, 429 and network errors; default 3, backoff 0.5 s doubling. */
  retries?: number;
}

/**
 * Typed client of Airflow's REST API. Airflow 3 (`/api/v2`, JWT from `/auth/token`, refreshed when it
 * expires) and Airflow 2 (`/api/v1`, basic auth) are told apart by which version endpoint answers.
 * Credentials never appear in errors.
 */
export class AirflowClient {
  private readonly http: AxiosInstance;
  private api: { major: 2 | 3; base: string; version: string } | undefined;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: AirflowClientOptions) {
    this.http = axios.create({
      baseURL: options.url.replace(/\/+$/, ""),
      timeout: options.timeoutMs ?? 15_000,
      validateStatus: () => true,
    });
  }

  /** Airflow's version, detected once. */
  async version(): Promise<{ major: 2 | 3; base: string; version: string }> {
    if (this.api) return this.api;
    for (const [major, base] of [
      [3, "/api/v2"],
      [2, "/api/v1"],
    ] as const) {
      const res = await this.send({ method: "GET", url: `${base}/version` }, `GET ${base}/version`, false);
      if (res.status === 200 && typeof res.data?.version === "string") {
        this.api = { major, base, version: res.data.version };
        return this.api;
      }
    }
    throw new AirflowError(
      "GET /api/v{2,1}/version",
      null,
      "neither /api/v2 nor /api/v1 answered with a version",
    );
  }

  async getDag(dagId: string): Promise<AirflowDag | undefined> {
    return this.call<AirflowDag>("GET", `/dags/${encodeURIComponent(dagId)}`, { allow404: true });
  }

  /** The source of a DAG's latest parsed version (Airflow 3); undefined on Airflow 2 or for an unknown DAG. */
  async dagSource(dagId: string): Promise<string | undefined> {
    const { major } = await this.version();
    if (major !== 3) return undefined;
    const body = await this.call<{ content?: string | null }>(
      "GET",
      `/dagSources/${encodeURIComponent(dagId)}`,
      {
        allow404: true,
      },
    );
    return body?.content ?? undefined;
  }

  /** The doc_md of the DAG as Airflow will run it next (read from its serialized DAG); undefined: unknown DAG. */
  async dagDocMd(dagId: string): Promise<string | null | undefined> {
    const body = await this.call<{ doc_md?: string | null }>(
      "GET",
      `/dags/${encodeURIComponent(dagId)}/details`,
      {
        allow404: true,
      },
    );
    return body === undefined ? undefined : (body.doc_md ?? null);
  }

  /**
   * The DAGs whose id matches `pattern`; with `stale`, also those whose file is gone, which Airflow leaves out by
   * default (Airflow 3 `exclude_stale`, Airflow 2 `only_active`).
   */
  async listDags(pattern?: string, options: { stale?: boolean } = {}): Promise<AirflowDag[]> {
    const params: Record<string, unknown> = pattern ? { dag_id_pattern: pattern } : {};
    if (options.stale) {
      const { major } = await this.version();
      params[major === 3 ? "exclude_stale" : "only_active"] = false;
    }
    return (await this.all<AirflowDag>("/dags", "dags", params)) ?? [];
  }

  /**
   * Import errors, optionally of files whose name contains `filenamePattern`. Airflow 3 reports `filename`
   * relative to the DAG bundle (`smelter__x.py`), Airflow 2 as an absolute path.
   */
  async importErrors(filenamePattern?: string): Promise<AirflowImportError[]> {
    const { major } = await this.version();
    // Airflow 2 has no filename filter: filter here.
    const params = major === 3 && filenamePattern ? { filename_pattern: filenamePattern } : {};
    const errors = (await this.all<AirflowImportError>("/importErrors", "import_errors", params)) ?? [];
    return filenamePattern ? errors.filter((e) => e.filename.includes(filenamePattern)) : errors;
  }

  /** Asks Airflow to re-parse a file it already knows (Airflow 3); new files wait for the bundle refresh. */
  async reparse(fileToken: string): Promise<void> {
    await this.call("PUT", `/parseDagFile/${encodeURIComponent(fileToken)}`);
  }

  /**
   * Deletes a DAG and its runs' records from Airflow; false when Airflow has no such DAG. Airflow parses it
   * back while its file is still in the DAGs folder: remove the file first.
   */
  async deleteDag(dagId: string): Promise<boolean> {
    const found = await this.call("DELETE", `/dags/${encodeURIComponent(dagId)}`, { allow404: true });
    return found !== undefined;
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.call("PATCH", `/dags/${encodeURIComponent(dagId)}`, { data: { is_paused: paused } });
  }

  /**
   * Starts a DAG run under a run id chosen here (`runId`, default a new `newRunId()`), so that a POST sent
   * again (a retry after a lost answer, here or by the caller with the same id) finds the run it created
   * instead of starting a second one: Airflow answers 409 for a known id, and the run is read back.
   */
  async triggerRun(dagId: string, conf?: object, runId: string = newRunId()): Promise<AirflowDagRun> {
    const { major } = await this.version();
    const data = {
      dag_run_id: runId,
      ...(major === 3 ? { logical_date: null } : {}),
      ...(conf ? { conf } : {}),
    };
    try {
      return (await this.call<AirflowDagRun>("POST", `/dags/${encodeURIComponent(dagId)}/dagRuns`, {
        data,
      }))!;
    } catch (error) {
      if (error instanceof AirflowError && error.status === 409) return this.getRun(dagId, runId);
      throw error;
    }
  }

  /** A pool, or undefined when Airflow has none of that name. */
  async getPool(name: string): Promise<AirflowPool | undefined> {
    return this.call<AirflowPool>("GET", `/pools/${encodeURIComponent(name)}`, { allow404: true });
  }

  /** Creates a pool; deferred tasks count against it (`include_deferred`), so it bounds running executions. */
  async createPool(name: string, slots: number, description: string): Promise<AirflowPool> {
    const data = { name, slots, description, include_deferred: true };
    return (await this.call<AirflowPool>("POST", "/pools", { data }))!;
  }

  /** Sets a pool's slots, leaving the rest of it as it is (`pool` as read before). */
  async setPoolSlots(pool: AirflowPool, slots: number): Promise<AirflowPool> {
    const { major } = await this.version();
    // Airflow 3.3 validates the whole body despite update_mask (naming the pool `pool`); Airflow 2 names it `name`.
    const data =
      major === 3
        ? { pool: pool.name, slots, include_deferred: pool.include_deferred ?? false }
        : { name: pool.name, slots };
    return (await this.call<AirflowPool>("PATCH", `/pools/${encodeURIComponent(pool.name)}`, {
      params: { update_mask: "slots" },
      data,
    }))!;
  }

  async getRun(dagId: string, runId: string): Promise<AirflowDagRun> {
    const path = `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}`;
    return (await this.call<AirflowDagRun>("GET", path))!;
  }

  /** Polls every 2 s until a run is final (success or failed); a Timeout error (retryable) after `timeoutMs`. */
  async awaitRun(run: AirflowDagRun, timeoutMs: number): Promise<AirflowDagRun> {
    const deadline = Date.now() + timeoutMs;
    let current = run;
    while (current.state !== "success" && current.state !== "failed") {
      if (Date.now() > deadline) {
        throw new SmelterError(
          "Timeout",
          `run ${run.dag_run_id} of ${run.dag_id} still ${current.state} after ${timeoutMs / 1000} s`,
          { retryable: true },
        );
      }
      await sleep(2000);
      current = await this.getRun(run.dag_id, run.dag_run_id);
    }
    return current;
  }

  async listRuns(dagId: string, limit: number): Promise<AirflowDagRun[]> {
    const { major } = await this.version();
    const order = major === 3 ? "-run_after" : "-execution_date";
    const page = await this.call<{ dag_runs: AirflowDagRun[] }>(
      "GET",
      `/dags/${encodeURIComponent(dagId)}/dagRuns`,
      {
        params: { limit, order_by: order },
        allow404: true,
      },
    );
    return page?.dag_runs ?? [];
  }

  /** Every task instance of a DAG run (mapped ones one per index); undefined when the run does not exist. */
  async taskInstances(dagId: string, runId: string): Promise<AirflowTaskInstance[]>;
  async taskInstances(
    dagId: string,
    runId: string,
    opts: { allow404: true },
  ): Promise<AirflowTaskInstance[] | undefined>;
  async taskInstances(
    dagId: string,
    runId: string,
    opts: { allow404?: boolean } = {},
  ): Promise<AirflowTaskInstance[] | undefined> {
    const path = `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances`;
    const all = await this.all<AirflowTaskInstance>(path, "task_instances", {}, opts.allow404 ?? false);
    return opts.allow404 ? all : (all ?? []);
  }

  /**
   * Every item of a paged collection. Airflow caps `limit` at `[api] maximum_page_limit` (default 100) without
   * saying so, so pages are followed by offset until `total_entries` items arrived or a page comes back short.
   */
  private async all<T>(
    path: string,
    key: string,
    params: object,
    allow404 = false,
  ): Promise<T[] | undefined> {
    const items: T[] = [];
    for (;;) {
      const page = await this.call<Record<string, unknown>>("GET", path, {
        params: { ...params, limit: PAGE, offset: items.length },
        allow404,
      });
      if (page === undefined) return undefined;
      const batch = (page[key] as T[] | undefined) ?? [];
      items.push(...batch);
      const total = typeof page.total_entries === "number" ? page.total_entries : undefined;
      if (batch.length === 0 || (total !== undefined ? items.length >= total : batch.length < PAGE)) {
        return items;
      }
    }
  }

  /** One API call under the detected version's base path; 404 → undefined when `allow404`. */
  private async call<T>(
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    path: string,
    opts: { params?: object; data?: object; allow404?: boolean } = {},
  ): Promise<T | undefined> {
    const { base } = await this.version();
    const endpoint = `${method} ${base}${path}`;
    const res = await this.send(
      { method, url: base + path, params: opts.params, data: opts.data },
      endpoint,
      true,
    );
    if (res.status === 404 && opts.allow404) return undefined;
    if (res.status >= 400) throw new AirflowError(endpoint, res.status, detailOf(res.data));
    return res.data as T;
  }

  /** Sends with auth, retrying network errors, 429 and 5xx with doubling backoff; a 401 refreshes the JWT once. */
  private async send(
    config: AxiosRequestConfig,
    endpoint: string,
    auth: boolean,
  ): Promise<{ status: number; data: AirflowBody }> {
    const retries = this.options.retries ?? 3;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let status: number | null = null;
      let detail = "";
      try {
        const headers = auth ? await this.authHeaders() : {};
        const res = await this.http.request({ ...config, headers });
        if (res.status === 401 && auth && !refreshed && this.api?.major === 3) {
          this.token = undefined;
          refreshed = true;
          attempt--;
          continue;
        }
        if (res.status !== 429 && res.status < 500) return res;
        status = res.status;
        detail = detailOf(res.data);
        if (attempt >= retries) return res;
        const retryAfter = Number(res.headers["retry-after"]);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** attempt);
        continue;
      } catch (error) {
        if (error instanceof AirflowError) throw error;
        detail = isAxiosError(error) ? `${error.code ?? ""} ${error.message}`.trim() : String(error);
      }
      if (attempt >= retries) throw new AirflowError(endpoint, status, detail);
      await sleep(500 * 2 ** attempt);
    }
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const { major } = await this.version();
    if (major === 2) {
      const basic = Buffer.from(`${this.options.user}:${this.options.password}`).toString("base64");
      return { Authorization: `Basic ${basic}` };
    }
    if (!this.token || Date.now() > this.token.expiresAt) {
      const res = await this.http.post("/auth/token", {
        username: this.options.user,
        password: this.options.password,
      });
      if (res.status >= 400 || typeof res.data?.access_token !== "string") {
        throw new AirflowError("POST /auth/token", res.status, detailOf(res.data));
      }
      const value: string = res.data.access_token;
      this.token = { value, expiresAt: expiryOf(value) };
    }
    return { Authorization: `Bearer ${this.token.value}` };
  }
}

/** When to fetch a new JWT: a minute before its `exp`, or in 10 minutes when it has none we can read. */
function expiryOf(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as {
      exp?: number;
    };
    if (typeof payload.exp === "number") return payload.exp * 1000 - 60_000;
  } catch {}
  return Date.now() + 10 * 60_000;
}

/** Airflow's message from an error body (`detail` as string or validation list, or `title`). */
function detailOf(data: unknown): string {
  if (typeof data === "string") return data.slice(0, 500) || "(empty body)";
  const d = data as { detail?: unknown; title?: string } | null;
  if (d?.detail !== undefined) return typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail);
  if (d?.title) return d.title;
  return JSON.stringify(data ?? null).slice(0, 500);
}
