import type { RequestMode, StepMetrics } from "../../contracts/step.ts";
import { CancelledError, ConfigError } from "../../errors.ts";
import { newBatchId, readManifest, writeManifest } from "../../landing/index.ts";
import type { BatchManifest } from "../../landing/types.ts";
import type { ChangeLog, LogConsumer, LogPosition } from "../../sources/types.ts";
import { faultHook } from "../../warehouse/fault.ts";
import { CHANGE_LANDED, csvRows, encodeChanges, withChangeColumns } from "./changes.ts";
import { runChunkedLoad } from "./chunks.ts";
import { type ExtractRun, manifestBase, openSnapshot, snapshotSchema, warnNulled } from "./run.ts";
import { withDrift } from "./schema.ts";
import { PartWriter } from "./writer.ts";

/**
 * The extract step of a `mode: cdc` table: change capture from the source's log, drained by the task and stopped.
 *
 * The first run (and a re-sync) reads the log's head first, then the whole table in key-range chunks (the
 * chunked load, resumable), each chunk's rows stamped with the log order of its own snapshot, and stores that
 * head as the watermark. Every run then drains the log from the stored position up to the head as of the task's
 * start and lands the changes as one batch (operation, log order, commit time and the full row, the row before
 * for deletes); the manifest is written last, then the head is stored. A run that stops before its manifest
 * leaves the stored position where it was, and the next run drains the same changes again.
 *
 * Snapshot and log meet without loss: the drain starts at the head read before the first chunk, so every change
 * after it is landed; a chunk's rows carry their snapshot's order, and bronze skips the changes of a key whose
 * row already has a higher order (the snapshot saw them), applying the rest in log order.
 */
export async function runCdc(
  run: ExtractRun,
  mode: RequestMode | undefined,
  underway: BatchManifest | null,
): Promise<StepMetrics> {
  const { table, ctx, db } = run;
  const log = run.driver.changeLog;
  if (!log)
    throw new ConfigError(`tables.${table.name}: source ${db.name} (${db.kind}) has no change capture`);
  if (mode?.kind === "backfill") {
    throw new ConfigError(
      `tables.${table.name}: a cdc table has no cursor range to backfill; a re-sync reads it again`,
    );
  }
  if (mode && mode.kind !== "resync") throw new ConfigError(`extract has no ${mode.kind} mode`);
  const consumer: LogConsumer = {
    name: `${run.target.pipeline}__${table.name}`,
    table: table.table ?? table.name,
  };
  await log.preflight(db, consumer);
  let loaded: StepMetrics | null = null;
  if (mode?.kind === "resync" || underway || (run.stored?.watermark ?? null) === null) {
    const position = underway
      ? (underway.watermark.to as LogPosition)
      : await log.head(db, consumer, { start: true });
    const label = mode?.kind === "resync" ? "re-sync" : "initial snapshot";
    ctx.log.info(`${table.name}: ${label} joined to the log at ${position.join(":")}`);
    loaded = await runChunkedLoad(run, { label, resume: underway, log: { position, changeLog: log } });
    const stored = await ctx.watermarks.read(run.target.pipeline, table.name);
    run.stored = stored;
    run.previous = stored
      ? await readManifest(run.zone, run.target.pipeline, table.name, stored.batchId)
      : null;
  }
  const drained = await drainLog(run, log, consumer);
  if (!loaded) return drained;
  const add = (k: "rowsRead" | "rowsLanded" | "files" | "bytes" | "batches") =>
    (loaded[k] ?? 0) + (drained[k] ?? 0);
  return {
    ...loaded,
    rowsRead: add("rowsRead"),
    rowsLanded: add("rowsLanded"),
    files: add("files"),
    bytes: add("bytes"),
    batches: add("batches"),
    watermark: drained.watermark ?? loaded.watermark ?? null,
  };
}

/** Lands the changes from the stored position up to the log's head now, as one batch. */
async function drainLog(run: ExtractRun, log: ChangeLog, consumer: LogConsumer): Promise<StepMetrics> {
  const { table, ctx, db } = run;
  const from = run.stored?.watermark as LogPosition;
  const to = await log.head(db, consumer, { start: false });
  if (!log.before(from, to)) {
    ctx.log.info(`${table.name}: the log has nothing after ${from.join(":")}; nothing landed`);
    return { rowsRead: 0, rowsLanded: 0, files: 0, bytes: 0, batches: 0, watermark: from };
  }
  const snapshot = await openSnapshot(run);
  let schema: Awaited<ReturnType<typeof snapshotSchema>>;
  try {
    schema = await snapshotSchema(run, snapshot, null);
  } finally {
    await snapshot.close().catch(() => undefined);
  }
  const batchId = newBatchId();
  const columns = [...schema.landed, ...CHANGE_LANDED];
  const writer = new PartWriter(
    run.target.duck,
    run.zone,
    { pipeline: run.target.pipeline, table: table.name, batchId, kind: "part" },
    columns,
    table.fileRows,
    run.target.tmpDir,
  );
  const fault = faultHook(ctx.env);
  const start = performance.now();
  ctx.log.info(`${table.name}: draining the log from ${from.join(":")} to ${to.join(":")} into ${batchId}`);
  let files: BatchManifest["files"];
  let changes = 0;
  try {
    const result = await log.drain(db, {
      consumer,
      from,
      to,
      signal: ctx.signal,
      onChanges: async (batch) => {
        await writer.appendCsv(csvRows(encodeChanges(batch, schema.landed, table.primaryKey)));
        changes += batch.length;
        fault("extract:cdc-drain");
      },
    });
    if (ctx.signal.aborted) throw new CancelledError();
    files = await writer.finish();
    ctx.log.info(
      `${table.name}: drained ${result.changes} change(s) in ${Math.round(performance.now() - start)} ms (${writer.rows} rows in ${files.length} file(s))`,
    );
  } catch (error) {
    await writer.abort();
    throw error;
  }
  warnNulled(run, schema.landed);
  const manifest: BatchManifest = {
    ...manifestBase(run, batchId, { log: { from, to } }),
    watermark: { from, to, lagSeconds: 0 },
    schema: withDrift(withChangeColumns(schema.manifest), run.previous),
    files,
    rows: writer.rows,
    changes: { from, to, count: changes },
  };
  if (ctx.signal.aborted) throw new CancelledError();
  await writeManifest(run.zone, manifest);
  fault("extract:after-manifest");
  await ctx.watermarks.save(run.target.pipeline, table.name, batchId, to);
  await log.confirm(db, consumer, to);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  return {
    rowsRead: manifest.rows,
    rowsLanded: manifest.rows,
    files: files.length,
    bytes,
    batches: 1,
    watermark: to,
  };
}
