import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ExecutionContext,
  Executor,
  SourceExecutor,
  StepMetrics,
  TaskRequest,
} from "../../contracts/step.ts";
import type { WatermarkState, WatermarkStore } from "../../contracts/stores.ts";
import { CancelledError, ConfigError } from "../../errors.ts";
import {
  listManifestIds,
  newBatchId,
  openLandingZone,
  readManifest,
  writeManifest,
} from "../../landing/index.ts";
import type { BatchManifest, LandingZone } from "../../landing/types.ts";
import { sourceDriver } from "../../sources/index.ts";
import type { Relation } from "../../sources/types.ts";
import { tableOf } from "../../spec/lookup.ts";
import { resolveDatabase, resolveLanding } from "../../spec/resolve.ts";
import { phase } from "../../trace.ts";
import { extractLineage } from "../lineage.ts";
import { runBackfill } from "./backfill.ts";
import { type BatchTarget, landRead } from "./batch.ts";
import { runCdc, runCdcShared } from "./cdc.ts";
import { runChunkedLoad } from "./chunks.ts";
import { type ExtractRun, manifestBase, openSnapshot, snapshotSchema, warnNulled } from "./run.ts";
import { applyLag } from "./schema.ts";
import { borrowExtractDuckdb } from "./writer.ts";

/** Default statement timeout for source reads (6 h); `SMELTER_EXTRACT_STATEMENT_TIMEOUT_MS` overrides it. */
const DEFAULT_STATEMENT_TIMEOUT_MS = 6 * 3600 * 1000;

/**
 * The extract step of one table: lands parquet parts, writes each batch's manifest last, then advances the
 * watermark. Incremental tables read rows with cursor >= the stored watermark in one consistent snapshot (closed
 * start: boundary rows are re-read and bronze drops identical rows). Loads of a whole table are read in
 * primary-key chunks, each its own snapshot and batch, resuming after the last landed chunk (see chunks.ts): every
 * run of a full table, the first run of an incremental one (or the first after its watermark was reset), and a
 * re-sync. A backfill reads one range again and leaves the watermark where it is (see backfill.ts).
 */
export const extract: Executor = (request, ctx) =>
  withExtractRun(request.table, ctx, async (run, underway) => {
    const metrics = await extractTable(run, underway, request.mode);
    metrics.lineage = await phase("extract: lineage", () => extractLineage(run, metrics));
    return metrics;
  });

/** The extract of one table as its spec and the request's mode ask. */
function extractTable(
  run: ExtractRun,
  underway: BatchManifest | null,
  mode: TaskRequest["mode"],
): Promise<StepMetrics> {
  const { table } = run;
  if (table.mode === "incremental" && table.cursor.length === 0)
    throw new ConfigError(`tables.${table.name}.cursor: incremental mode needs a cursor`);
  if (table.mode === "cdc") return runCdc(run, mode, underway);
  if (mode?.kind === "backfill") return runBackfill(run, mode.range, underway);
  // A re-sync continues a chunked load under way (its key set makes bronze converge all the same).
  if (mode?.kind === "resync") return runChunkedLoad(run, { label: "re-sync", resume: underway });
  if (mode) throw new ConfigError(`extract has no ${mode.kind} mode`);
  if (table.mode === "full") return runChunkedLoad(run, { label: "full load", resume: underway });
  if (underway) return runChunkedLoad(run, { label: "chunked load", resume: underway });
  if ((run.stored?.watermark ?? null) === null)
    return runChunkedLoad(run, { label: "initial load", resume: null });
  return runIncremental(run);
}

/**
 * The extract of a source's tables in one task (`airflow.granularity: source`), for the tables that share work:
 * the cdc tables of a source whose log one read serves (`ChangeLog.sharedReads`: any tables, or those of one
 * group, which a spec with a task per source makes of its cdc tables), when there are two or more, are drained
 * together (see `runCdcShared`). Returns their metrics by table and the tables left to extract one by one.
 */
export const extractShared: SourceExecutor = async (request, tables, ctx) => {
  const spec = ctx.pipeline.spec;
  const shared = tables.filter((t) => tableOf(spec, t).mode === "cdc");
  if (shared.length < 2) return { results: {}, rest: tables };
  const log = sourceDriver(resolveDatabase(spec, request.source, ctx.env).kind).changeLog;
  if (!log || (log.sharedReads === "group" && spec.airflow.granularity !== "source"))
    return { results: {}, rest: tables };
  const runs: { run: ExtractRun; underway: BatchManifest | null }[] = [];
  const open = async (i: number): Promise<Record<string, StepMetrics>> => {
    if (i === shared.length) {
      const results = await runCdcShared(runs, log);
      for (const { run } of runs) {
        const metrics = results[run.table.name];
        if (metrics) metrics.lineage = await extractLineage(run, metrics);
      }
      return results;
    }
    return withExtractRun(shared[i], ctx, (run, underway) => {
      runs.push({ run, underway });
      return open(i + 1);
    });
  };
  return { results: await open(0), rest: tables.filter((t) => !shared.includes(t)) };
};

/**
 * Opens what an extraction of one table works with (its landing zone, a DuckDB converting parts, a temporary
 * directory, its stored watermark after adopting manifests the state DB missed), runs `work` and closes them.
 * `underway` is the last landed chunk of a chunked load still under way, if any.
 */
async function withExtractRun<T>(
  name: string | undefined,
  ctx: ExecutionContext,
  work: (run: ExtractRun, underway: BatchManifest | null) => Promise<T>,
): Promise<T> {
  const spec = ctx.pipeline.spec;
  const table = tableOf(spec, name);
  const db = resolveDatabase(spec, table.source, ctx.env);
  const driver = sourceDriver(db.kind);
  const zone = openLandingZone(resolveLanding(spec, spec.landing, ctx.env));
  const relation: Relation = table.query ? { query: table.query } : { table: table.table ?? table.name };
  const tmpDir = await mkdtemp(join(tmpdir(), "smelter-extract-"));
  const lease = await phase("extract: open DuckDB", borrowExtractDuckdb);
  const duck = lease.instance;
  let failed = false;
  try {
    const { stored, previous } = await phase("extract: watermark and manifests", () =>
      adoptManifests(ctx.watermarks, zone, spec.name, table.name, ctx),
    );
    const run: ExtractRun = {
      ctx,
      table,
      relation,
      db,
      driver,
      zone,
      statementTimeoutMs: Number(
        ctx.env.SMELTER_EXTRACT_STATEMENT_TIMEOUT_MS ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      ),
      previous,
      stored,
      target: {
        zone,
        duck,
        pipeline: spec.name,
        table: table.name,
        fileRows: table.fileRows,
        tmpDir,
        log: ctx.log,
        signal: ctx.signal,
      },
    };
    // A chunked load under way continues, unless an operator set or reset the watermark since.
    const underway = stored?.loading !== false && previous?.chunk && !previous.chunk.last ? previous : null;
    return await work(run, underway);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await phase("extract: clean up", async () => {
      // After a failure the instance is not lent again: whatever went wrong stays with it.
      await lease.release(!failed);
      await rm(tmpDir, { recursive: true, force: true });
    });
  }
}

/**
 * A crash between writing a manifest and saving the watermark leaves manifests newer than the stored batch:
 * they are adopted (the watermark moves to the newest), so their rows are not landed a second time.
 */
async function adoptManifests(
  watermarks: WatermarkStore,
  zone: LandingZone,
  pipeline: string,
  table: string,
  ctx: ExecutionContext,
): Promise<{ stored: WatermarkState | null; previous: BatchManifest | null }> {
  const stored = await watermarks.read(pipeline, table);
  const newer = await listManifestIds(zone, pipeline, table, { after: stored?.batchId ?? null });
  const newest = newer.at(-1);
  if (newest) {
    const manifest = await readManifest(zone, pipeline, table, newest);
    if (manifest) {
      ctx.log.warn(
        `${table}: adopting ${newer.length} landed batch(es) the state DB missed, up to ${newest}`,
      );
      const watermark = manifest.mode === "full" ? null : manifest.watermark.to;
      const loading = manifest.chunk ? !manifest.chunk.last : false;
      await watermarks.save(pipeline, table, manifest.batchId, watermark, { loading });
      return { stored: await watermarks.read(pipeline, table), previous: manifest };
    }
  }
  const previous = stored ? await readManifest(zone, pipeline, table, stored.batchId) : null;
  return { stored, previous };
}

async function runIncremental(run: ExtractRun): Promise<StepMetrics> {
  const { table, ctx } = run;
  const from = applyLag(run.stored?.watermark ?? null, table.lagSeconds, `tables.${table.name}`);
  const batchId = newBatchId();
  const target: BatchTarget = { ...run.target, batchId };
  const reconcile =
    table.deletes.mode === "reconcile" && (run.stored?.runs ?? 0) % table.deletes.everyRuns === 0;
  const snapshot = await phase("extract: source connect and snapshot", () => openSnapshot(run));
  let manifest: BatchManifest;
  try {
    const schema = await phase("extract: source columns", () => snapshotSchema(run, snapshot, run.previous));
    const to = await phase("extract: source max cursor", () => snapshot.max(run.relation, table.cursor));
    ctx.log.info(
      `${table.name}: reading ${table.cursor.join(", ")} >= ${JSON.stringify(from)} up to ${JSON.stringify(to)} into ${batchId}`,
    );
    const data =
      to === null
        ? { files: [], rows: 0, lastRow: null }
        : await phase("extract: read and land rows", () =>
            landRead(
              target,
              snapshot,
              run.relation,
              schema.landed,
              { cursorFrom: from ? { columns: table.cursor, values: from } : null },
              "part",
            ),
          );
    const keyColumns = schema.landed.filter((c) => table.primaryKey.includes(c.name));
    const keys = reconcile ? await landRead(target, snapshot, run.relation, keyColumns, {}, "keys") : null;
    warnNulled(run, schema.landed);
    if (data.rows === 0 && !keys) {
      ctx.log.info(`${table.name}: no rows at or after the watermark; nothing landed`);
      return {
        rowsRead: 0,
        rowsLanded: 0,
        files: 0,
        bytes: 0,
        batches: 0,
        watermark: run.stored?.watermark ?? null,
      };
    }
    manifest = {
      ...manifestBase(run, batchId, snapshot.info),
      watermark: { from, to: to ?? run.stored?.watermark ?? null, lagSeconds: table.lagSeconds },
      schema: schema.manifest,
      files: data.files,
      rows: data.rows,
      ...(keys ? { keyFiles: keys.files } : {}),
    };
  } finally {
    await phase("extract: source close", () => snapshot.close().catch(() => undefined));
  }
  if (ctx.signal.aborted) throw new CancelledError();
  await phase("extract: write manifest", () => writeManifest(run.zone, manifest));
  await phase("extract: save watermark", () =>
    ctx.watermarks.save(run.target.pipeline, table.name, batchId, manifest.watermark.to),
  );
  const bytes = [...manifest.files, ...(manifest.keyFiles ?? [])].reduce((n, f) => n + f.bytes, 0);
  ctx.log.info(
    `${table.name}: batch ${batchId} landed: ${manifest.rows} rows in ${manifest.files.length} file(s)`,
  );
  return {
    rowsRead: manifest.rows,
    rowsLanded: manifest.rows,
    files: manifest.files.length + (manifest.keyFiles?.length ?? 0),
    bytes,
    batches: 1,
    watermark: manifest.watermark.to,
  };
}
