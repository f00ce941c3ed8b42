import { CancelledError } from "../errors.ts";
import { newBatchId, writeManifest } from "../landing/index.ts";
import type { BatchManifest } from "../landing/types.ts";
import { saveWatermark } from "../state/watermarks.ts";
import { landRead } from "./extract-batch.ts";
import { type ExtractRun, manifestBase } from "./extract-run.ts";
import { extractSchema } from "./extract-schema.ts";
import type { StepMetrics } from "./types.ts";

/**
 * A full load in primary-key chunks of `chunkSize` rows (keyset pagination: `key > last key ORDER BY key LIMIT n`),
 * each chunk its own snapshot and batch. A load that failed resumes after the last chunk whose manifest exists;
 * the last chunk's manifest says `chunk.last: true`, and the next run starts a new full load.
 */
export async function runFullLoad(run: ExtractRun): Promise<StepMetrics> {
  const { table, ctx } = run;
  const last = run.previous?.mode === "full" ? run.previous.chunk : undefined;
  let index = last && !last.last ? last.index + 1 : 0;
  let after: unknown[] | null = last && !last.last ? last.to : null;
  if (index > 0)
    ctx.log.info(
      `${table.name}: resuming the full load at chunk ${index}, after key ${JSON.stringify(after)}`,
    );
  let previous = run.previous;
  const metrics = { rowsRead: 0, rowsLanded: 0, files: 0, bytes: 0, batches: 0 };
  for (;;) {
    if (ctx.signal.aborted) throw new CancelledError();
    const batchId = newBatchId();
    const snapshot = await run.driver.openSnapshot(run.db, { statementTimeoutMs: run.statementTimeoutMs });
    let manifest: BatchManifest;
    try {
      const schema = extractSchema(
        table,
        { driver: run.driver, name: run.db.name, timezone: run.db.timezone },
        await snapshot.columns(run.relation),
        previous,
      );
      const keyAt = table.primaryKey.map((k) => schema.landed.findIndex((c) => c.name === k));
      const data = await landRead(
        { ...run.target, batchId },
        snapshot,
        run.relation,
        schema.landed,
        { keyAfter: { columns: table.primaryKey, values: after, limit: table.chunkSize } },
        "part",
      );
      const to = data.lastRow ? keyAt.map((i) => data.lastRow?.[i]) : after;
      manifest = {
        ...manifestBase(run, batchId, snapshot.info),
        watermark: { from: null, to: null, lagSeconds: 0 },
        schema: schema.manifest,
        files: data.files,
        rows: data.rows,
        chunk: { index, from: after, to, last: data.rows < table.chunkSize },
      };
    } finally {
      await snapshot.close().catch(() => undefined);
    }
    if (ctx.signal.aborted) throw new CancelledError();
    await writeManifest(run.zone, manifest);
    await saveWatermark(run.state, run.target.pipeline, table.name, batchId, null);
    metrics.rowsRead += manifest.rows;
    metrics.rowsLanded += manifest.rows;
    metrics.files += manifest.files.length;
    metrics.bytes += manifest.files.reduce((n, f) => n + f.bytes, 0);
    metrics.batches += 1;
    ctx.log.info(`${table.name}: chunk ${index} landed as ${batchId}: ${manifest.rows} rows`);
    if (manifest.chunk?.last) break;
    previous = manifest;
    after = manifest.chunk?.to ?? null;
    index += 1;
  }
  return { ...metrics, watermark: null };
}
