import type pg from "pg";

/** One DAG file as it was last published. */
export interface PublishedDag {
  dagFile: string;
  pipeline: string;
  /** sha256 of the file content written. */
  contentHash: string;
  /** sha256 of the spec text it was generated from; null when published from outside the catalog. */
  specHash: string | null;
  dagIds: string[];
  publishedAt: string;
}

/**
 * The record of published DAG files (`smelter.published_dags`): written after Airflow registered a file, read
 * by reconcile to report drift. One row per file; the latest publish wins.
 */
export class PublishedDags {
  constructor(private readonly pool: pg.Pool) {}

  async record(entry: Omit<PublishedDag, "publishedAt">): Promise<void> {
    await this.pool.query(
      `INSERT INTO smelter.published_dags (dag_file, pipeline, content_hash, spec_hash, dag_ids)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dag_file) DO UPDATE SET pipeline = EXCLUDED.pipeline, content_hash = EXCLUDED.content_hash,
         spec_hash = EXCLUDED.spec_hash, dag_ids = EXCLUDED.dag_ids, published_at = now()`,
      [entry.dagFile, entry.pipeline, entry.contentHash, entry.specHash, entry.dagIds],
    );
  }

  async get(dagFile: string): Promise<PublishedDag | undefined> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM smelter.published_dags WHERE dag_file = $1", [
      dagFile,
    ]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** Drops the record of a file that was removed from the DAGs folder. */
  async forget(dagFile: string): Promise<void> {
    await this.pool.query("DELETE FROM smelter.published_dags WHERE dag_file = $1", [dagFile]);
  }

  async list(): Promise<PublishedDag[]> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM smelter.published_dags ORDER BY dag_file");
    return rows.map(toEntry);
  }
}

interface Row {
  dag_file: string;
  pipeline: string;
  content_hash: string;
  spec_hash: string | null;
  dag_ids: string[];
  published_at: Date;
}

const toEntry = (r: Row): PublishedDag => ({
  dagFile: r.dag_file,
  pipeline: r.pipeline,
  contentHash: r.content_hash,
  specHash: r.spec_hash,
  dagIds: r.dag_ids,
  publishedAt: r.published_at.toISOString(),
});
