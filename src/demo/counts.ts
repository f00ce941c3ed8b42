import mysql from "mysql2/promise";
import pg from "pg";
import { listManifests, openLandingZone } from "../landing/index.ts";
import { type ResolvedDatabase, resolveDatabase, resolveLanding } from "../spec/resolve.ts";
import type { PipelineSpec, TableSpec } from "../spec/types.ts";

/**
 * Rows per layer of a pipeline: what the source holds, what was landed (sum over every batch manifest, so it
 * grows with each incremental batch), and what bronze and silver hold now. A layer that does not exist yet (no
 * table, nothing landed) counts as null rather than failing: the demo prints counts before the first run too.
 */

export interface TableCounts {
  table: string;
  source: number | null;
  /** Rows in all landed batches of the table, and how many batches. */
  landed: number | null;
  batches: number;
  bronze: number | null;
}

export interface ModelCounts {
  model: string;
  from: string;
  silver: number | null;
}

export interface PipelineCounts {
  tables: TableCounts[];
  silver: ModelCounts[];
}

const quoteMy = (name: string) => `\`${name.replaceAll("`", "``")}\``;
const quotePg = (name: string) => `"${name.replaceAll('"', '""')}"`;

function sourceSql(table: TableSpec, quote: (name: string) => string): string {
  if (table.query) return `SELECT COUNT(*) AS n FROM (${table.query}) AS q`;
  const name = (table.table ?? table.name).split(".").map(quote).join(".");
  return `SELECT COUNT(*) AS n FROM ${name}`;
}

const MISSING_TABLE_CODES = new Set(["ER_NO_SUCH_TABLE", "42P01", "3F000"]);

function isMissingTable(error: unknown): boolean {
  return MISSING_TABLE_CODES.has(String((error as { code?: unknown }).code));
}

async function countOn<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    if (isMissingTable(error)) return null;
    throw error;
  }
}

async function withPostgres<T>(db: ResolvedDatabase, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function countPostgres(client: pg.Client, sql: string): Promise<number | null> {
  return countOn(async () => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0));
}

/** Source row counts, one connection per source database. */
async function sourceCounts(spec: PipelineSpec, env: NodeJS.ProcessEnv): Promise<Map<string, number | null>> {
  const counts = new Map<string, number | null>();
  const bySource = new Map<string, TableSpec[]>();
  for (const t of spec.tables) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
  for (const [source, tables] of bySource) {
    const db = resolveDatabase(spec, source, env);
    if (db.kind === "postgres") {
      await withPostgres(db, async (client) => {
        for (const t of tables) counts.set(t.name, await countPostgres(client, sourceSql(t, quotePg)));
      });
      continue;
    }
    const conn = await mysql.createConnection({
      host: db.host,
      port: db.port,
      database: db.database,
      user: db.user,
      password: db.password,
    });
    try {
      for (const t of tables) {
        const n = await countOn(async () => {
          const [rows] = await conn.query<mysql.RowDataPacket[]>(sourceSql(t, quoteMy));
          return Number(rows[0]?.n ?? 0);
        });
        counts.set(t.name, n);
      }
    } finally {
      await conn.end();
    }
  }
  return counts;
}

/** Counts every layer of `spec` with the connections resolved from `env`. */
export async function countLayers(
  spec: PipelineSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PipelineCounts> {
  const source = await sourceCounts(spec, env);
  const zone = openLandingZone(resolveLanding(spec, spec.landing, env));
  const landed = new Map<string, { rows: number; batches: number }>();
  for (const t of spec.tables) {
    let rows = 0;
    let batches = 0;
    for await (const manifest of listManifests(zone, spec.name, t.name)) {
      rows += manifest.rows;
      batches++;
    }
    landed.set(t.name, { rows, batches });
  }
  return withPostgres(resolveDatabase(spec, spec.warehouse, env), async (client) => {
    const tables: TableCounts[] = [];
    for (const t of spec.tables) {
      const l = landed.get(t.name) ?? { rows: 0, batches: 0 };
      tables.push({
        table: t.name,
        source: source.get(t.name) ?? null,
        landed: l.batches > 0 ? l.rows : null,
        batches: l.batches,
        bronze: await countPostgres(
          client,
          `SELECT count(*) AS n FROM ${quotePg(spec.bronzeSchema)}.${quotePg(t.name)}`,
        ),
      });
    }
    const silver: ModelCounts[] = [];
    for (const m of spec.silver) {
      silver.push({
        model: m.name,
        from: m.from,
        silver: await countPostgres(
          client,
          `SELECT count(*) AS n FROM ${quotePg(spec.silverSchema)}.${quotePg(m.name)}`,
        ),
      });
    }
    return { tables, silver };
  });
}
