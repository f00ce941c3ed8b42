import type { BackfillRange, StepMetrics } from "../../contracts/step.ts";
import { BusyError, CancelledError, ConfigError } from "../../errors.ts";
import { newBatchId, writeManifest } from "../../landing/index.ts";
import type { BatchManifest } from "../../landing/types.ts";
import { landRead } from "./batch.ts";
import { type ExtractRun, manifestBase, openSnapshot, snapshotSchema } from "./run.ts";

/** The columns a range is given in, checked against the range's values. */
export function rangeColumns(run: Pick<ExtractRun, "table">, range: BackfillRange): string[] {
  const { table } = run;
  const columns = range.by === "cursor" ? table.cursor : table.primaryKey;
  const where = `backfill of table ${table.name}`;
  if (columns.length === 0)
    throw new ConfigError(`${where}: the table has no cursor (mode ${table.mode}); backfill it by key`);
  for (const [end, values] of [
    ["from", range.from],
    ["to", range.to],
  ] as const) {
    if (values !== null && values.length !== columns.length) {
      throw new ConfigError(
        `${where}: --${end} has ${values.length} value(s) but the ${range.by} (${columns.join(", ")}) has ${columns.length}`,
      );
    }
  }
  return columns;
}

/**
 * A backfill: reads the rows whose cursor (or key) lies in `[from, to)` again, in one snapshot, as one batch,
 * and leaves the watermark where it is (the batch is recorded as landed with the same watermark). Rows bronze
 * already holds unchanged change nothing there and write nothing to the change feed, so a repeated backfill is
 * harmless. Refused while a chunked load is under way: its chunks must land one after the other.
 */
export async function runBackfill(
  run: ExtractRun,
  range: BackfillRange,
  underway: BatchManifest | null,
): Promise<StepMetrics> {
  const { table, ctx } = run;
  const columns = rangeColumns(run, range);
  if (underway) {
    throw new BusyError(
      `table ${table.name} has a chunked load under way (chunk ${(underway.chunk?.index ?? 0) + 1} of ${underway.chunk?.total ?? "?"} landed): run its extract to finish the load, then backfill`,
    );
  }
  const watermark = run.stored?.watermark ?? null;
  const batchId = newBatchId();
  const described = `${columns.join(", ")} in [${JSON.stringify(range.from)}, ${JSON.stringify(range.to)})`;
  ctx.log.info(`${table.name}: backfill of ${described} into ${batchId}; the watermark stays where it is`);
  const snapshot = await openSnapshot(run);
  let manifest: BatchManifest;
  try {
    const schema = await snapshotSchema(run, snapshot, run.previous);
    const data = await landRead(
      { ...run.target, batchId },
      snapshot,
      run.relation,
      schema.landed,
      { between: { columns, from: range.from, to: range.to } },
      "part",
    );
    if (data.rows === 0) {
      ctx.log.info(`${table.name}: no rows with ${described}; nothing landed`);
      return { rowsRead: 0, rowsLanded: 0, files: 0, bytes: 0, batches: 0, watermark };
    }
    manifest = {
      ...manifestBase(run, batchId, snapshot.info),
      watermark: { from: watermark, to: watermark, lagSeconds: table.lagSeconds },
      schema: schema.manifest,
      files: data.files,
      rows: data.rows,
      backfill: { by: range.by, columns, from: range.from, to: range.to },
    };
  } finally {
    await snapshot.close().catch(() => undefined);
  }
  if (ctx.signal.aborted) throw new CancelledError();
  await writeManifest(run.zone, manifest);
  await ctx.watermarks.save(run.target.pipeline, table.name, batchId, watermark);
  const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
  ctx.log.info(`${table.name}: backfill batch ${batchId} landed: ${manifest.rows} rows`);
  return {
    rowsRead: manifest.rows,
    rowsLanded: manifest.rows,
    files: manifest.files.length,
    bytes,
    batches: 1,
    watermark,
  };
}
