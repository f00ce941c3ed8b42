import type { RequestMode, StepMetrics } from "../../contracts/step.ts";
import { CancelledError, ConfigError } from "../../errors.ts";
import { newBatchId, readManifest, writeManifest } from "../../landing/index.ts";
import type { BatchManifest } from "../../landing/types.ts";
import type { ChangeLog, LogConsumer, LogPosition } from "../../sources/types.ts";
import type { TableSpec } from "../../spec/types.ts";
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
  const log = changeLogOf(run);
  const consumer = consumerOf(run);
  const loaded = await prepare(run, log, consumer, mode, underway);
  const drained = (await drainLogs([{ run, consumer }], log))[run.table.name] as StepMetrics;
  return loaded ? sum(loaded, drained) : drained;
}

/**
 * The cdc tables of one source in one task, sharing one read of its log (`ChangeLog.sharedReads`): each table's
 * preflight and, where needed, its snapshot (one table after the other), then one drain from the earliest stored
 * position to the head, landing a batch per table. Returns the metrics by table.
 */
export async function runCdcShared(
  runs: { run: ExtractRun; underway: BatchManifest | null }[],
  log: ChangeLog,
): Promise<Record<string, StepMetrics>> {
  const loaded = new Map<string, StepMetrics>();
  const drains: { run: ExtractRun; consumer: LogConsumer }[] = [];
  for (const { run, underway } of runs) {
    const consumer = consumerOf(run);
    const metrics = await prepare(run, log, consumer, undefined, underway);
    if (metrics) loaded.set(run.table.name, metrics);
    drains.push({ run, consumer });
  }
  const drained = await drainLogs(drains, log);
  const out: Record<string, StepMetrics> = {};
  for (const [name, metrics] of Object.entries(drained)) {
    const first = loaded.get(name);
    out[name] = first ? sum(first, metrics) : metrics;
  }
  return out;
}

function changeLogOf(run: ExtractRun): ChangeLog {
  const log = run.driver.changeLog;
  if (!log)
    throw new ConfigError(
      `tables.${run.table.name}: source ${run.db.name} (${run.db.kind}) has no change capture`,
    );
  return log;
}

const consumerName = (pipeline: string, table: TableSpec) => ({
  name: `${pipeline}__${table.name}`,
  table: table.table ?? table.name,
});

/**
 * The cdc tables read with the run's table by its source task (`airflow.granularity: source`): the spec's cdc
 * tables of the same source, whichever request reads one of them; null with a task per table.
 */
function groupOf(run: ExtractRun): TableSpec[] | null {
  const spec = run.ctx.pipeline.spec;
  if (spec.airflow.granularity !== "source") return null;
  return spec.tables.filter((t) => t.mode === "cdc" && t.source === run.table.source);
}

function consumerOf(run: ExtractRun): LogConsumer {
  const pipeline = run.target.pipeline;
  const consumer: LogConsumer = consumerName(pipeline, run.table);
  const group = groupOf(run);
  if (!group) return consumer;
  return {
    ...consumer,
    group: {
      name: `src_${pipeline}__${run.table.source}`,
      members: group.map((t) => consumerName(pipeline, t)),
    },
  };
}

/**
 * The lowest position stored by the tables reading through the run's server-side reader: its group's (tables
 * that have none yet, before their first snapshot, hold nothing back), or the table's own.
 */
async function storedFloor(run: ExtractRun, log: ChangeLog, own: LogPosition): Promise<LogPosition> {
  const group = groupOf(run);
  if (!group) return own;
  let floor: LogPosition | null = null;
  for (const t of group) {
    const stored = (await run.ctx.watermarks.read(run.target.pipeline, t.name))?.watermark as
      | LogPosition
      | null
      | undefined;
    if (stored && (floor === null || log.before(stored, floor))) floor = stored;
  }
  return floor ?? own;
}

/**
 * Preflight, then the snapshot a first run, a re-sync or a snapshot under way needs (joined to the head read
 * before its first chunk); the run's stored position and previous manifest are brought up to date after it.
 * Returns the snapshot's metrics, or null when the table is only drained.
 */
async function prepare(
  run: ExtractRun,
  log: ChangeLog,
  consumer: LogConsumer,
  mode: RequestMode | undefined,
  underway: BatchManifest | null,
): Promise<StepMetrics | null> {
  const { table, ctx, db } = run;
  if (mode?.kind === "backfill") {
    throw new ConfigError(
      `tables.${table.name}: a cdc table has no cursor range to backfill; a re-sync reads it again`,
    );
  }
  if (mode && mode.kind !== "resync") throw new ConfigError(`extract has no ${mode.kind} mode`);
  await log.preflight(db, consumer);
  if (mode?.kind !== "resync" && !underway && (run.stored?.watermark ?? null) !== null) return null;
  const position = underway
    ? (underway.watermark.to as LogPosition)
    : await log.head(db, consumer, { start: true });
  const label = mode?.kind === "resync" ? "re-sync" : "initial snapshot";
  ctx.log.info(`${table.name}: ${label} joined to the log at ${position.join(":")}`);
  const loaded = await runChunkedLoad(run, { label, resume: underway, log: { position, changeLog: log } });
  const stored = await ctx.watermarks.read(run.target.pipeline, table.name);
  run.stored = stored;
  run.previous = stored
    ? await readManifest(run.zone, run.target.pipeline, table.name, stored.batchId)
    : null;
  return loaded;
}

function sum(loaded: StepMetrics, drained: StepMetrics): StepMetrics {
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

/** A table being drained: where its changes go. */
interface Drain {
  run: ExtractRun;
  consumer: LogConsumer;
  from: LogPosition;
  schema: Awaited<ReturnType<typeof snapshotSchema>>;
  batchId: string;
  writer: PartWriter;
  changes: number;
}

/**
 * Lands the changes of each table from its stored position up to the log's head now, in one read of the log, as
 * one batch per table; then, table by table, the manifest and the stored position; then, once all are stored, the
 * server's confirmation (a slot of a group up to the lowest position its tables stored).
 */
async function drainLogs(
  tables: { run: ExtractRun; consumer: LogConsumer }[],
  log: ChangeLog,
): Promise<Record<string, StepMetrics>> {
  const [first] = tables;
  if (!first) return {};
  const { ctx, db } = first.run;
  const to = await log.head(db, first.consumer, { start: false });
  const out: Record<string, StepMetrics> = {};
  const drains: Drain[] = [];
  // Tables of one source task often stand at the same position: each is located once.
  const located = new Map<string, Promise<LogPosition>>();
  try {
    for (const { run, consumer } of tables) {
      const stored = run.stored?.watermark as LogPosition;
      const key = JSON.stringify(stored);
      const locating = located.get(key) ?? log.locate(db, consumer, stored);
      located.set(key, locating);
      const from = await locating;
      if (JSON.stringify(from) !== key) {
        ctx.log.info(
          `${run.table.name}: the server does not hold ${stored.join(":")} as stored; the same point in its log is ${from.join(":")} (found by GTID position)`,
        );
      }
      if (!log.before(from, to)) {
        ctx.log.info(`${run.table.name}: the log has nothing after ${from.join(":")}; nothing landed`);
        out[run.table.name] = { rowsRead: 0, rowsLanded: 0, files: 0, bytes: 0, batches: 0, watermark: from };
        continue;
      }
      const snapshot = await openSnapshot(run);
      let schema: Drain["schema"];
      try {
        schema = await snapshotSchema(run, snapshot, null);
      } finally {
        await snapshot.close().catch(() => undefined);
      }
      const batchId = newBatchId();
      const writer = new PartWriter(
        run.target.duck,
        run.zone,
        { pipeline: run.target.pipeline, table: run.table.name, batchId, kind: "part", changes: true },
        [...schema.landed, ...CHANGE_LANDED],
        run.table.fileRows,
        run.target.tmpDir,
      );
      drains.push({ run, consumer, from, schema, batchId, writer, changes: 0 });
      ctx.log.info(
        `${run.table.name}: draining the log from ${from.join(":")} to ${to.join(":")} into ${batchId}`,
      );
    }
    if (drains.length === 0) return out;
    const byName = new Map(drains.map((d) => [d.consumer.name, d]));
    const fault = faultHook(ctx.env);
    const start = performance.now();
    await log.drain(db, {
      consumers: drains.map((d) => ({ consumer: d.consumer, from: d.from })),
      to,
      stored: await storedFloor(first.run, log, first.run.stored?.watermark as LogPosition),
      signal: ctx.signal,
      onChanges: async (name, batch) => {
        const d = byName.get(name) as Drain;
        await d.writer.appendCsv(csvRows(encodeChanges(batch, d.schema.landed, d.run.table.primaryKey)));
        d.changes += batch.length;
        fault("extract:cdc-drain");
      },
    });
    if (ctx.signal.aborted) throw new CancelledError();
    const ms = Math.round(performance.now() - start);
    const files = new Map<string, BatchManifest["files"]>();
    for (const d of drains) {
      files.set(d.run.table.name, await d.writer.finish());
      ctx.log.info(
        `${d.run.table.name}: drained ${d.changes} change(s) in ${ms} ms${drains.length > 1 ? ` (one read of the log for ${drains.length} tables)` : ""} (${d.writer.rows} rows in ${files.get(d.run.table.name)?.length} file(s))`,
      );
    }
    for (const d of drains) {
      out[d.run.table.name] = await land(
        d,
        log.continued(d.from, to),
        files.get(d.run.table.name) ?? [],
        fault,
      );
    }
    // Only now, every table's position stored, may the server recycle the log before them.
    fault("extract:before-confirm");
    const [one] = drains;
    if (one?.consumer.group) await log.confirm(db, one.consumer, await storedFloor(one.run, log, to));
    else for (const d of drains) await log.confirm(db, d.consumer, to);
    return out;
  } catch (error) {
    for (const d of drains) await d.writer.abort();
    throw error;
  }
}

/** Writes one table's manifest, then stores its position. */
async function land(
  d: Drain,
  to: LogPosition,
  files: BatchManifest["files"],
  fault: (point: string) => void,
): Promise<StepMetrics> {
  const { run } = d;
  const { ctx } = run;
  warnNulled(run, d.schema.landed);
  const manifest: BatchManifest = {
    ...manifestBase(run, d.batchId, { log: { from: d.from, to } }),
    watermark: { from: d.from, to, lagSeconds: 0 },
    schema: withDrift(withChangeColumns(d.schema.manifest), run.previous),
    files,
    rows: d.writer.rows,
    changes: { from: d.from, to, count: d.changes },
  };
  if (ctx.signal.aborted) throw new CancelledError();
  await writeManifest(run.zone, manifest);
  fault("extract:after-manifest");
  await ctx.watermarks.save(run.target.pipeline, run.table.name, d.batchId, to);
  return {
    rowsRead: manifest.rows,
    rowsLanded: manifest.rows,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    batches: 1,
    watermark: to,
  };
}
