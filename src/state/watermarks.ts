import type pg from "pg";
import type { WatermarkState, WatermarkStore } from "../contracts/stores.ts";
import { ConfigError, TransientError } from "../errors.ts";

/** Extract watermarks in the state database (`smelter.watermarks`), read and written through a pool. */
export class PgWatermarkStore implements WatermarkStore {
  constructor(private readonly pool: pg.Pool) {}

  async read(pipeline: string, table: string): Promise<WatermarkState | null> {
    const { rows } = await this.query<{
      batch_id: string;
      watermark: unknown[] | null;
      runs: string;
      updated_at: Date;
    }>(
      `SELECT batch_id, watermark, runs::text AS runs, updated_at
         FROM smelter.watermarks WHERE pipeline = $1 AND table_name = $2`,
      [pipeline, table],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      batchId: row.batch_id,
      watermark: row.watermark,
      runs: Number(row.runs),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async save(pipeline: string, table: string, batchId: string, watermark: unknown[] | null): Promise<void> {
    await this.query(
      `INSERT INTO smelter.watermarks AS w (pipeline, table_name, batch_id, watermark, runs)
       VALUES ($1, $2, $3, $4::jsonb, 1)
       ON CONFLICT (pipeline, table_name) DO UPDATE
          SET batch_id = EXCLUDED.batch_id, watermark = EXCLUDED.watermark, runs = w.runs + 1, updated_at = now()
        WHERE w.batch_id < EXCLUDED.batch_id`,
      [pipeline, table, batchId, JSON.stringify(watermark)],
    );
  }

  private async query<R extends pg.QueryResultRow>(
    sql: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new TransientError(`state database unreachable (${(error as Error).message})`, error);
    }
    try {
      return await client.query<R>(sql, values);
    } finally {
      client.release();
    }
  }
}

/**
 * The store of a process that has no state database (`smelter run` without `SMELTER_STATE_URL`): reading or
 * saving a watermark fails with a ConfigError that says what to set.
 */
export const noWatermarkStore: WatermarkStore = {
  read: () => Promise.reject(missingState()),
  save: () => Promise.reject(missingState()),
};

function missingState(): Error {
  return new ConfigError("SMELTER_STATE_URL is not set: extract keeps its watermarks in the state database");
}
