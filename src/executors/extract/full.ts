import type { StepMetrics } from "../../contracts/step.ts";
import { CancelledError } from "../../errors.ts";
import { newBatchId, writeManifest } from "../../landing/index.ts";
import type { BatchManifest } from "../../landing/types.ts";
import { landRead } from "./batch.ts";
import { type ExtractRun, manifestBase } from "./run.ts";
import { extractSchema, withDrift } from "./schema.ts";

/** A key range of a full load: `(from, to]`, open-ended for the last chunk (`to` null). */
interface ChunkPlan {
  index: number;
  from: unknown[] | null;
  to: unknown[] | null;
}

/**
 * A full load in primary-key chunks of `chunkSize` rows, each chunk its own snapshot and batch. The chunk
 * boundaries are planned first, in one snapshot (`ORDER BY key LIMIT 1 OFFSET chunkSize - 1` from boundary to
 * boundary); rows inserted later beyond the last boundary land with the last, open-ended chunk. Chunks are then
 * read in parallel, up to the execution's connection budget (the source's `maxConnections` unless a source task
 * shares it among tables), but their manifests are written strictly in chunk order:
 * a chunk's manifest waits for the one before it, and after a failure no later manifest is written. The landed
 * chunks are therefore always 0..k without gaps, and a failed or killed load resumes after the last chunk whose
 * manifest exists (the files of later chunks that landed without a manifest are ignored, as for any batch). The
 * last chunk's manifest says `chunk.last: true`, and the next run starts a new full load.
 */
export async function runFullLoad(run: ExtractRun): Promise<StepMetrics> {
  const { table, ctx } = run;
  const last = run.previous?.mode === "full" ? run.previous.chunk : undefined;
  const resume = last && !last.last ? last : null;
  if (resume)
    ctx.log.info(
      `${table.name}: resuming the full load at chunk ${resume.index + 1}, after key ${JSON.stringify(resume.to)}`,
    );
  const plan = await planChunks(run, resume ? resume.index + 1 : 0, resume ? resume.to : null);
  const budget = Math.min(run.db.maxConnections, ctx.connectionBudget ?? run.db.maxConnections);
  const parallel = Math.max(1, Math.min(budget, plan.length));
  ctx.log.info(
    `${table.name}: full load in ${plan.length} chunk(s) of ${table.chunkSize} rows, ${parallel} at a time`,
  );

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
    try {
      const landed = await readChunk(run, chunk, batchId);
      await before;
      if (failure && failure.index < chunk.index) return;
      if (ctx.signal.aborted) throw new CancelledError();
      const manifest = { ...landed, schema: withDrift(landed.schema, previous) };
      await writeManifest(run.zone, manifest);
      await ctx.watermarks.save(run.target.pipeline, table.name, batchId, null);
      previous = manifest;
      metrics.rowsRead += manifest.rows;
      metrics.rowsLanded += manifest.rows;
      metrics.files += manifest.files.length;
      metrics.bytes += manifest.files.reduce((n, f) => n + f.bytes, 0);
      metrics.batches += 1;
      ctx.log.info(`${table.name}: chunk ${chunk.index} landed as ${batchId}: ${manifest.rows} rows`);
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
  return { ...metrics, watermark: null };
}

/** Chunk boundaries from `after` on, read in one snapshot; the last chunk is open-ended. */
async function planChunks(run: ExtractRun, first: number, after: unknown[] | null): Promise<ChunkPlan[]> {
  const { table } = run;
  const snapshot = await run.driver.openSnapshot(run.db, { statementTimeoutMs: run.statementTimeoutMs });
  const plan: ChunkPlan[] = [];
  try {
    let from = after;
    for (;;) {
      if (run.ctx.signal.aborted) throw new CancelledError();
      const to = await snapshot.chunkEnd(run.relation, table.primaryKey, from, table.chunkSize);
      plan.push({ index: first + plan.length, from, to });
      if (to === null) break;
      from = to;
    }
  } finally {
    await snapshot.close().catch(() => undefined);
  }
  return plan;
}

/** Reads one chunk in its own snapshot into the batch's parts; returns its manifest (drift not yet set). */
async function readChunk(run: ExtractRun, chunk: ChunkPlan, batchId: string): Promise<BatchManifest> {
  const { table } = run;
  const snapshot = await run.driver.openSnapshot(run.db, { statementTimeoutMs: run.statementTimeoutMs });
  try {
    const schema = extractSchema(
      table,
      { driver: run.driver, name: run.db.name, timezone: run.db.timezone },
      await snapshot.columns(run.relation),
      null,
    );
    const keyAt = table.primaryKey.map((k) => schema.landed.findIndex((c) => c.name === k));
    const data = await landRead(
      { ...run.target, batchId },
      snapshot,
      run.relation,
      schema.landed,
      { keyAfter: { columns: table.primaryKey, values: chunk.from, to: chunk.to } },
      "part",
    );
    const lastKey = data.lastRow ? keyAt.map((i) => data.lastRow?.[i]) : chunk.from;
    return {
      ...manifestBase(run, batchId, snapshot.info),
      watermark: { from: null, to: null, lagSeconds: 0 },
      schema: schema.manifest,
      files: data.files,
      rows: data.rows,
      chunk: { index: chunk.index, from: chunk.from, to: chunk.to ?? lastKey, last: chunk.to === null },
    };
  } finally {
    await snapshot.close().catch(() => undefined);
  }
}
