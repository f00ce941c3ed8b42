import type { StepMetrics } from "../../contracts/step.ts";
import { CancelledError } from "../../errors.ts";
import { newBatchId, writeManifest } from "../../landing/index.ts";
import type { BatchManifest } from "../../landing/types.ts";
import type { ChangeLog, LogPosition } from "../../sources/types.ts";
import { faultHook } from "../../warehouse/fault.ts";
import { landRead } from "./batch.ts";
import { snapshotConstants, withChangeColumns } from "./changes.ts";
import { ChunkProgress } from "./progress.ts";
import { type ExtractRun, manifestBase, openSnapshot, snapshotSchema, warnNulled } from "./run.ts";
import { withDrift } from "./schema.ts";

/** A key range of a chunked load: `(from, to]`, open-ended for the last chunk (`to` null). */
interface ChunkPlan {
  index: number;
  from: unknown[] | null;
  to: unknown[] | null;
}

/** Where a chunked load starts: a new load, or the chunk after the last landed one of a load under way. */
export interface ChunkedLoad {
  /** Written in the log: `full load`, `initial load`, `re-sync`. */
  label: string;
  /** The manifest of the last landed chunk of the load to resume, or null to start a new load. */
  resume: BatchManifest | null;
  /**
   * A cdc table's load: the log position read before the first chunk (the watermark of every chunk, where the
   * log is drained from after the load), and the log whose order each chunk's rows are stamped with.
   */
  log?: { position: LogPosition; changeLog: ChangeLog };
}

/**
 * A load in primary-key chunks of `chunkSize` rows, each chunk its own snapshot and batch: full loads, the first
 * load of an incremental table, and re-syncs. No snapshot is held for the whole load.
 *
 * The chunk boundaries are planned first, in one snapshot (`ORDER BY key LIMIT 1 OFFSET chunkSize - 1` from
 * boundary to boundary), in which an incremental table's watermark is also read (MAX(cursor)): it is fixed before
 * the first chunk and saved with every chunk, so rows changed while the load runs (their cursor at or after it)
 * are read again by the next incremental run. Rows inserted beyond the last boundary land with the last,
 * open-ended chunk.
 *
 * Chunks are read in parallel, up to the execution's connection budget (the source's `maxConnections` unless a
 * source task shares it among tables), but their manifests are written strictly in chunk order: a chunk's manifest
 * waits for the one before it, and after a failure no later manifest is written. The landed chunks are therefore
 * always 0..k without gaps, and a failed or killed load resumes after the last chunk whose manifest exists (the
 * files of later chunks that landed without a manifest are ignored, as for any batch).
 *
 * The last chunk is read only after every other chunk landed, and reads the table's key set in the same
 * snapshot: bronze deletes the keys it holds that are missing from it, so a re-sync or a repeated full load
 * removes rows deleted at the source. Its manifest says `chunk.last: true`; the load is complete.
 */
export async function runChunkedLoad(run: ExtractRun, load: ChunkedLoad): Promise<StepMetrics> {
  const { table, ctx } = run;
  const resume = load.resume?.chunk && !load.resume.chunk.last ? load.resume : null;
  const incremental = table.mode === "incremental";
  const planned = await planChunks(run, resume, incremental, load.log?.position ?? null);
  const { plan, watermark } = planned;
  const first = plan[0]?.index ?? 0;
  const total = first + plan.length;
  const budget = Math.min(run.db.maxConnections, ctx.connectionBudget ?? run.db.maxConnections);
  const parallel = Math.max(1, Math.min(budget, plan.length));
  ctx.log.info(
    resume
      ? `${table.name}: resuming the ${load.label} at chunk ${first + 1} of ${total}, after key ${JSON.stringify(resume.chunk?.to)} (chunks 1..${first} landed before)`
      : `${table.name}: ${load.label} in ${total} chunk(s) of ${table.chunkSize} rows, ${parallel} at a time${
          incremental ? `; watermark fixed at ${JSON.stringify(watermark)} before the first chunk` : ""
        }`,
  );
  const progress = new ChunkProgress(table.name, first, total, ctx);
  const fault = faultHook(ctx.env);

  const metrics = { rowsRead: 0, rowsLanded: 0, files: 0, bytes: 0, batches: 0 };
  let previous = run.previous;
  let lastBatchMs = 0;
  /** The first chunk (lowest index) that failed: no chunk at or after it may commit. */
  let failure: { error: unknown; index: number } | null = null;
  let committed: Promise<void> = Promise.resolve();
  let next = 0;

  /** Lands one chunk, then commits its manifest after the previous chunk's. */
  const landChunk = async (chunk: ChunkPlan): Promise<void> => {
    // Batch ids must sort in chunk order: one millisecond apart at least.
    lastBatchMs = Math.max(Date.now(), lastBatchMs + 1);
    const batchId = newBatchId(new Date(lastBatchMs));
    const before = committed;
    let release: () => void = () => undefined;
    committed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const last = chunk.to === null;
    try {
      // The key set must describe the source after every other chunk was read.
      if (last) await before;
      if (failure && failure.index < chunk.index) return;
      const landed = await readChunk(run, chunk, batchId, { total, watermark, log: load.log });
      await before;
      if (failure && failure.index < chunk.index) return;
      if (ctx.signal.aborted) throw new CancelledError();
      const manifest = { ...landed, schema: withDrift(landed.schema, previous) };
      await writeManifest(run.zone, manifest);
      fault("extract:after-manifest");
      await ctx.watermarks.save(run.target.pipeline, table.name, batchId, watermark, { loading: !last });
      previous = manifest;
      metrics.rowsRead += manifest.rows;
      metrics.rowsLanded += manifest.rows;
      metrics.files += manifest.files.length + (manifest.keyFiles?.length ?? 0);
      metrics.bytes += [...manifest.files, ...(manifest.keyFiles ?? [])].reduce((n, f) => n + f.bytes, 0);
      metrics.batches += 1;
      const keys = manifest.keyFiles
        ? ` and the key set (${manifest.keyFiles.reduce((n, f) => n + f.rows, 0)} keys)`
        : "";
      ctx.log.info(
        `${table.name}: chunk ${chunk.index + 1}/${total} landed as ${batchId}: ${manifest.rows} rows${keys}; ${progress.landed(manifest.rows)}`,
      );
    } catch (error) {
      if (!failure || chunk.index < failure.index) failure = { error, index: chunk.index };
    } finally {
      release();
    }
  };
  const worker = async (): Promise<void> => {
    while (!failure && !ctx.signal.aborted && next < plan.length) {
      await landChunk(plan[next++] as ChunkPlan);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  if (ctx.signal.aborted) throw new CancelledError();
  return {
    ...metrics,
    chunks: metrics.batches,
    chunksTotal: total,
    rowsPerSecond: progress.rate(),
    watermark,
  };
}

/**
 * Chunk boundaries after the resumed chunk (from the start for a new load), read in one snapshot; the last chunk
 * is open-ended. A new load of an incremental table reads its watermark in the same snapshot; a resumed one
 * keeps the watermark its first chunk fixed.
 */
async function planChunks(
  run: ExtractRun,
  resume: BatchManifest | null,
  incremental: boolean,
  logPosition: LogPosition | null,
): Promise<{ plan: ChunkPlan[]; watermark: unknown[] | null }> {
  const { table } = run;
  const snapshot = await openSnapshot(run);
  const plan: ChunkPlan[] = [];
  try {
    const watermark = logPosition
      ? resume
        ? resume.watermark.to
        : logPosition
      : !incremental
        ? null
        : resume
          ? resume.watermark.to
          : await snapshot.max(run.relation, table.cursor);
    let from = resume?.chunk?.to ?? null;
    const first = resume?.chunk ? resume.chunk.index + 1 : 0;
    for (;;) {
      if (run.ctx.signal.aborted) throw new CancelledError();
      const to = await snapshot.chunkEnd(run.relation, table.primaryKey, from, table.chunkSize);
      plan.push({ index: first + plan.length, from, to });
      if (to === null) break;
      from = to;
    }
    return { plan, watermark };
  } finally {
    await snapshot.close().catch(() => undefined);
  }
}

/**
 * Reads one chunk in its own snapshot into the batch's parts (the last chunk: and the key set); returns its
 * manifest (drift not yet set).
 */
async function readChunk(
  run: ExtractRun,
  chunk: ChunkPlan,
  batchId: string,
  load: {
    total: number;
    watermark: unknown[] | null;
    log: { position: LogPosition; changeLog: ChangeLog } | undefined;
  },
): Promise<BatchManifest> {
  const { table } = run;
  const snapshot = await openSnapshot(run);
  try {
    const schema = await snapshotSchema(run, snapshot, null);
    const keyAt = table.primaryKey.map((k) => schema.landed.findIndex((c) => c.name === k));
    const order = load.log?.changeLog.snapshotOrder(snapshot.info, load.log.position);
    const target = { ...run.target, batchId, ...(order ? { constants: snapshotConstants(order) } : {}) };
    const data = await landRead(
      target,
      snapshot,
      run.relation,
      schema.landed,
      { keyAfter: { columns: table.primaryKey, values: chunk.from, to: chunk.to } },
      "part",
    );
    const last = chunk.to === null;
    const keyColumns = schema.landed.filter((c) => table.primaryKey.includes(c.name));
    const keys = last ? await landRead(target, snapshot, run.relation, keyColumns, {}, "keys") : null;
    warnNulled(run, schema.landed);
    const lastKey = data.lastRow ? keyAt.map((i) => data.lastRow?.[i]) : chunk.from;
    return {
      ...manifestBase(run, batchId, snapshot.info),
      watermark: { from: null, to: load.watermark, lagSeconds: table.lagSeconds },
      schema: order ? withChangeColumns(schema.manifest) : schema.manifest,
      files: data.files,
      rows: data.rows,
      ...(keys ? { keyFiles: keys.files } : {}),
      chunk: { index: chunk.index, from: chunk.from, to: chunk.to ?? lastKey, last, total: load.total },
    };
  } finally {
    await snapshot.close().catch(() => undefined);
  }
}
