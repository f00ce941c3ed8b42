import type pg from "pg";
import { openLandingZone, readManifest } from "../landing/index.ts";
import { modelChangedAt } from "../spec/freshness.ts";
import { resolveDatabase, resolveLanding } from "../spec/resolve.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import type { AuditStore } from "../state/audit.ts";
import type { Execution, ExecutionStore } from "../state/executions.ts";
import type { CatalogEntry, PipelineCatalog } from "../state/pipelines.ts";
import { PgWatermarkStore } from "../state/watermarks.ts";
import type { AirflowReader } from "./airflow.ts";
import { SourceChangeTimes } from "./change-times.ts";
import type {
  AirflowPanel,
  ExecutionDetail,
  Fetched,
  LandingState,
  PipelineDetail,
  PipelineRow,
  RunPoint,
  TableRow,
  TableTrend,
} from "./model.ts";
import { readWarehouseState, type WarehouseState } from "./warehouse.ts";

/** What the pages read from: the service's own state, and the pipeline's systems through their modules. */
export interface UiData {
  store: ExecutionStore;
  /** The audit trail of operator actions, shown on each pipeline's page. */
  audit: AuditStore;
  catalog: PipelineCatalog;
  /** The service state database (watermarks). */
  pool: pg.Pool;
  /** DAG ids of a pipeline, as the compiler names them. */
  dagIds: (pipeline: LoadedPipeline) => string[];
  airflow: AirflowReader | null;
  /** Environment the pipeline's connection references resolve against (as for executions). */
  env: NodeJS.ProcessEnv;
  /** Budget of each call to another system (warehouse, landing zone, Airflow); default 1500 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 1500;

/** Runs `work`, giving up after `ms`: a slow system shows as a message in its panel, not as a slow page. */
async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<Fetched<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Fetched<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `${what} did not answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      work().then(
        (value): Fetched<T> => ({ ok: true, value }),
        (error: unknown): Fetched<T> => ({ ok: false, message: (error as Error).message || String(error) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function airflowPanel(
  data: UiData,
  pipeline: LoadedPipeline | undefined,
  runs: number,
): Promise<AirflowPanel> {
  const reader = data.airflow;
  if (!reader) return { configured: false };
  if (!pipeline) return { configured: true, dags: { ok: true, value: [] } };
  const dagIds = data.dagIds(pipeline);
  return {
    configured: true,
    dags: await within(data.timeoutMs ?? DEFAULT_TIMEOUT_MS, "Airflow", () => reader.dags(dagIds, runs)),
  };
}

/** The pipelines page: every pipeline with its Airflow state and last execution, gathered in parallel. */
export async function listPipelines(data: UiData): Promise<PipelineRow[]> {
  const entries = await data.catalog.list();
  return Promise.all(
    entries.map(async (entry: CatalogEntry): Promise<PipelineRow> => {
      const [executions, airflow] = await Promise.all([
        data.store.list({ pipeline: entry.name, limit: 1 }),
        airflowPanel(data, entry.pipeline, 1),
      ]);
      return {
        name: entry.name,
        origin: entry.origin,
        file: entry.file,
        ...(entry.error !== undefined ? { error: entry.error } : {}),
        tables: entry.pipeline?.spec.tables.length ?? 0,
        models: entry.pipeline?.spec.silver.length ?? 0,
        lastExecution: executions[0] ?? null,
        airflow,
      };
    }),
  );
}

async function landingOf(data: UiData, p: LoadedPipeline, table: string): Promise<LandingState | null> {
  const mark = await new PgWatermarkStore(data.pool).read(p.spec.name, table);
  if (!mark) return null;
  const batchId = mark.batchId;
  const manifest = await within(data.timeoutMs ?? DEFAULT_TIMEOUT_MS, "the landing zone", async () => {
    const landing = openLandingZone(resolveLanding(p.spec, p.spec.landing, data.env));
    const m = await readManifest(landing, p.spec.name, table, batchId);
    return m ? { rows: m.rows, createdAt: m.createdAt, mode: m.mode } : null;
  });
  return { batchId, watermark: mark.watermark, runs: mark.runs, updatedAt: mark.updatedAt, manifest };
}

/** Source change times of applied batches, remembered across page loads. */
const changeTimes = new SourceChangeTimes();

/** Runs per table and step the trend charts draw. */
export const TREND_RUNS = 30;

function runPoint(e: Execution): RunPoint {
  const m = e.metrics ?? {};
  const n = (k: string): number | null => (typeof m[k] === "number" ? (m[k] as number) : null);
  const changes = [n("inserted"), n("updated"), n("deleted")];
  const rows =
    e.step === "extract"
      ? n("rows_landed")
      : changes.every((c) => c === null)
        ? null
        : changes.reduce<number>((a, c) => a + (c ?? 0), 0);
  const elapsed = e.started_at && e.finished_at ? Date.parse(e.finished_at) - Date.parse(e.started_at) : 0;
  return {
    id: e.id,
    status: e.status,
    finishedAt: e.finished_at ?? e.created_at,
    ms: n("duration_ms") ?? elapsed,
    rows,
  };
}

/** The newest runs of each table's extract and bronze steps, from the service's own state. */
async function trends(data: UiData, pipeline: string, tables: string[]): Promise<Map<string, TableTrend>> {
  const out = new Map<string, TableTrend>(tables.map((t) => [t, { extract: [], bronze: [] }]));
  if (tables.length === 0) return out;
  const [extract, bronze] = await Promise.all([
    data.store.recentRuns(pipeline, "extract", tables, TREND_RUNS),
    data.store.recentRuns(pipeline, "bronze", tables, TREND_RUNS),
  ]);
  for (const e of extract) out.get(e.table ?? "")?.extract.push(runPoint(e));
  for (const e of bronze) out.get(e.table ?? "")?.bronze.push(runPoint(e));
  return out;
}

/** A bronze table as freshness measures it: from its newest source change when known, else its commit. */
const measuredFrom = (
  b: { version: number; committedAt: string | null; changedAt?: string | null } | undefined,
) => (b ? { version: b.version, committedAt: b.changedAt ?? b.committedAt } : undefined);

/** The page of one pipeline, or undefined when the service knows no pipeline of that name. */
export async function pipelineDetail(data: UiData, name: string): Promise<PipelineDetail | undefined> {
  const entry = await data.catalog.entry(name);
  if (!entry) return undefined;
  const p = entry.pipeline;
  const spec = p?.spec;
  const timeoutMs = data.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const warehouse: Promise<Fetched<WarehouseState | null>> = spec
    ? within(timeoutMs, "the warehouse", async () =>
        readWarehouseState(
          resolveDatabase(spec, spec.warehouse, data.env),
          {
            pipeline: spec.name,
            bronzeSchema: spec.bronzeSchema,
            silverSchema: spec.silverSchema,
            tables: spec.tables.map((t) => t.name),
            models: spec.silver.map((m) => m.name),
          },
          timeoutMs,
        ),
      )
    : Promise.resolve({ ok: true, value: null });
  const [executions, audit, airflow, wh, landings, trend] = await Promise.all([
    data.store.list({ pipeline: name, limit: 20 }),
    data.audit.list({ pipeline: name, limit: 20 }),
    airflowPanel(data, p, 5),
    warehouse,
    Promise.all((spec?.tables ?? []).map((t) => landingOf(data, p!, t.name))),
    trends(
      data,
      name,
      (spec?.tables ?? []).map((t) => t.name),
    ),
  ]);
  const state = wh.ok ? wh.value : null;
  // The newest source change of each table, from the manifest of its newest applied batch; unknown when the
  // landing zone does not answer in time (the table is then measured from its commit).
  const changed = new Map<string, string | null>();
  await Promise.all(
    [...(state?.tables ?? [])].map(async ([table, b]) => {
      const at = await within(timeoutMs, "the landing zone", () =>
        changeTimes.of(p!, table, b.lastBatch, data.env),
      );
      changed.set(table, at.ok ? at.value : null);
    }),
  );
  const bronzeOf = (table: string) => {
    const b = state?.tables.get(table);
    return b ? { ...b, changedAt: changed.get(table) ?? null } : undefined;
  };
  const tables: TableRow[] = (spec?.tables ?? []).map((t, i) => ({
    name: t.name,
    source: t.source,
    mode: t.mode,
    cursor: t.cursor,
    landing: landings[i] ?? null,
    bronze: bronzeOf(t.name) ?? null,
    freshness: t.freshness,
    trend: trend.get(t.name),
  }));
  return {
    name: entry.name,
    origin: entry.origin,
    file: entry.file,
    ...(entry.error !== undefined ? { error: entry.error } : {}),
    bronzeSchema: spec?.bronzeSchema ?? "—",
    silverSchema: spec?.silverSchema ?? "—",
    tables,
    models: (spec?.silver ?? []).map((m) => {
      const cp = state?.models.get(m.name);
      return {
        name: m.name,
        from: m.from,
        checkpoint: cp?.checkpoint ?? null,
        sourceVersion: state?.tables.get(m.from)?.version ?? null,
        updatedAt: cp?.updatedAt ?? null,
        rows: cp?.rows ?? null,
        changedAt: cp ? modelChangedAt(cp, measuredFrom(bronzeOf(m.from))) : null,
        freshness: m.freshness,
      };
    }),
    warehouse: wh.ok ? { ok: true, value: null } : wh,
    executions,
    audit,
    airflow,
  };
}

/** Log lines the execution page renders at once; the rest streams in through the live log. */
export const FIRST_LOG_PAGE = 2000;

/** The page of one execution, or undefined when there is no such execution. */
export async function executionDetail(data: UiData, id: string): Promise<ExecutionDetail | undefined> {
  const execution: Execution | undefined = await data.store.get(id);
  if (!execution) return undefined;
  const lines = await data.store.readLogs(id, 0, FIRST_LOG_PAGE);
  return {
    execution,
    airflow: execution.airflow && data.airflow ? data.airflow.urls.task(execution.airflow) : null,
    log: { lines, nextOffset: lines.length > 0 ? lines.at(-1)!.seq + 1 : 0 },
  };
}
