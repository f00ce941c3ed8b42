import { listManifests, openLandingZone } from "../landing/index.ts";
import { sourceDriver } from "../sources/index.ts";
import type { Relation } from "../sources/types.ts";
import { resolveDatabase, resolveLanding } from "../spec/resolve.ts";
import type { PipelineSpec, TableSpec } from "../spec/types.ts";
import { warehouseDialect } from "../warehouse/index.ts";

/**
 * Rows per layer of a pipeline: what the source holds, what was landed (sum over every batch manifest, so it
 * grows with each incremental batch), and what bronze and silver hold now (as the warehouse's dialect describes them). A layer that does not exist yet (no
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

/** A missing table or schema counts as "not yet" (null) rather than failing the demo's counts. */
const MISSING_TABLE_CODES = new Set(["ER_NO_SUCH_TABLE", "42P01", "3F000"]);

function isMissingTable(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  return MISSING_TABLE_CODES.has(String((cause as { code?: unknown }).code));
}

/** Source row counts, one snapshot per source database. */
async function sourceCounts(spec: PipelineSpec, env: NodeJS.ProcessEnv): Promise<Map<string, number | null>> {
  const counts = new Map<string, number | null>();
  const bySource = new Map<string, TableSpec[]>();
  for (const t of spec.tables) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
  for (const [source, tables] of bySource) {
    const db = resolveDatabase(spec, source, env);
    const snapshot = await sourceDriver(db.kind).openSnapshot(db, { statementTimeoutMs: 60_000 });
    try {
      for (const t of tables) {
        const relation: Relation = t.query ? { query: t.query } : { table: t.table ?? t.name };
        try {
          counts.set(t.name, await snapshot.count(relation));
        } catch (error) {
          if (!isMissingTable(error)) throw error;
          counts.set(t.name, null);
        }
      }
    } finally {
      await snapshot.close();
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
  const db = resolveDatabase(spec, spec.warehouse, env);
  const dialect = warehouseDialect(db.kind);
  const query = {
    pipeline: spec.name,
    bronzeSchema: spec.bronzeSchema,
    silverSchema: spec.silverSchema,
    tables: spec.tables.map((t) => t.name),
    models: spec.silver.map((m) => m.name),
  };
  // The demo counts once and exits: no connection is kept for a next call.
  const state = await dialect.describe(db, query, 60_000).finally(() => dialect.release());
  const tables: TableCounts[] = spec.tables.map((t) => {
    const l = landed.get(t.name) ?? { rows: 0, batches: 0 };
    return {
      table: t.name,
      source: source.get(t.name) ?? null,
      landed: l.batches > 0 ? l.rows : null,
      batches: l.batches,
      bronze: state.tables.get(t.name)?.rows?.rows ?? null,
    };
  });
  const silver: ModelCounts[] = spec.silver.map((m) => ({
    model: m.name,
    from: m.from,
    silver: state.models.get(m.name)?.rows?.rows ?? null,
  }));
  return { tables, silver };
}
