import type pg from "pg";
import type { WatermarkState, WatermarkStore } from "../contracts/stores.ts";
import { ConfigError, TransientError } from "../errors.ts";

interface Row {
  batch_id: string;
  watermark: unknown[] | null;
  runs: string;
  loading: boolean;
  updated_at: Date;
}

const SELECT = "SELECT batch_id, watermark, runs::text AS runs, loading, updated_at FROM smelter.watermarks";

function toState(row: Row): WatermarkState {
  return {
    batchId: row.batch_id,
    watermark: row.watermark,
    runs: Number(row.runs),
    loading: row.loading,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Extract watermarks in the state database (`smelter.watermarks`), read and written through a pool. */
export class PgWatermarkStore implements WatermarkStore {
  constructor(private readonly pool: pg.Pool) {}

  async read(pipeline: string, table: string): Promise<WatermarkState | null> {
    const { rows } = await this.query<Row>(`${SELECT} WHERE pipeline = $1 AND table_name = $2`, [
      pipeline,
      table,
    ]);
    return rows[0] ? toState(rows[0]) : null;
  }

  async save(
    pipeline: string,
    table: string,
    batchId: string,
    watermark: unknown[] | null,
    options: { loading?: boolean } = {},
  ): Promise<void> {
    await this.query(
      `INSERT INTO smelter.watermarks AS w (pipeline, table_name, batch_id, watermark, runs, loading)
       VALUES ($1, $2, $3, $4::jsonb, 1, $5)
       ON CONFLICT (pipeline, table_name) DO UPDATE
          SET batch_id = EXCLUDED.batch_id, watermark = EXCLUDED.watermark, runs = w.runs + 1,
              loading = EXCLUDED.loading, updated_at = now()
        WHERE w.batch_id < EXCLUDED.batch_id`,
      [pipeline, table, batchId, JSON.stringify(watermark), options.loading ?? false],
    );
  }

  async set(
    pipeline: string,
    table: string,
    batchId: string | null,
    watermark: unknown[] | null,
  ): Promise<WatermarkState | null> {
    // One statement: the old row is read under the lock the upsert takes.
    const { rows } = await this.query<Row & { replaced: boolean }>(
      `WITH old AS (SELECT * FROM smelter.watermarks WHERE pipeline = $1 AND table_name = $2 FOR UPDATE),
       up AS (
         INSERT INTO smelter.watermarks AS w (pipeline, table_name, batch_id, watermark, runs, loading)
         VALUES ($1, $2, coalesce($3, ''), $4::jsonb, 0, false)
         ON CONFLICT (pipeline, table_name) DO UPDATE
            SET batch_id = greatest(w.batch_id, EXCLUDED.batch_id), watermark = EXCLUDED.watermark,
                loading = false, updated_at = now())
       SELECT batch_id, watermark, runs::text AS runs, loading, updated_at FROM old`,
      [pipeline, table, batchId, JSON.stringify(watermark)],
    );
    return rows[0] ? toState(rows[0]) : null;
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
  set: () => Promise.reject(missingState()),
};

function missingState(): Error {
  return new ConfigError("SMELTER_STATE_URL is not set: extract keeps its watermarks in the state database");
}
