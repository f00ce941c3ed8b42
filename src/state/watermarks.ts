import type pg from "pg";

/** Where extraction of one table stands: the last landed batch and the high cursor value read with it. */
export interface WatermarkState {
  batchId: string;
  /** Cursor values (JSON-able, as the source driver returned them); null for full loads or an empty table. */
  watermark: unknown[] | null;
  /** Extract runs that landed a batch; drives `deletes.everyRuns`. */
  runs: number;
}

/** The stored watermark of a table, or null before its first batch. */
export async function readWatermark(
  client: pg.Client | pg.PoolClient,
  pipeline: string,
  table: string,
): Promise<WatermarkState | null> {
  const { rows } = await client.query<{ batch_id: string; watermark: unknown[] | null; runs: string }>(
    "SELECT batch_id, watermark, runs::text AS runs FROM smelter.watermarks WHERE pipeline = $1 AND table_name = $2",
    [pipeline, table],
  );
  const row = rows[0];
  return row ? { batchId: row.batch_id, watermark: row.watermark, runs: Number(row.runs) } : null;
}

/**
 * Records that `batchId` is landed (its manifest written) with high watermark `watermark`. Never moves back:
 * a batch id older than the stored one is ignored, so adopting a manifest twice is harmless.
 */
export async function saveWatermark(
  client: pg.Client | pg.PoolClient,
  pipeline: string,
  table: string,
  batchId: string,
  watermark: unknown[] | null,
): Promise<void> {
  await client.query(
    `INSERT INTO smelter.watermarks AS w (pipeline, table_name, batch_id, watermark, runs)
     VALUES ($1, $2, $3, $4::jsonb, 1)
     ON CONFLICT (pipeline, table_name) DO UPDATE
        SET batch_id = EXCLUDED.batch_id, watermark = EXCLUDED.watermark, runs = w.runs + 1, updated_at = now()
      WHERE w.batch_id < EXCLUDED.batch_id`,
    [pipeline, table, batchId, JSON.stringify(watermark)],
  );
}
