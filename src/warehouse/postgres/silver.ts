import type { ClientBase } from "pg";
import { phase } from "../../trace.ts";
import { nothingNew, requireBronze, requireChangeFeed, requireUnpruned } from "../silver-checks.ts";
import { addedColumns, silverColumnDefinitions } from "../silver-table.ts";
import type { SilverResult, SilverTarget, StepHooks } from "../types.ts";
import * as meta from "./metadata.ts";
import { type ProjectedColumn, projectModel } from "./projection.ts";
import { mergeSource } from "./silver-merge.ts";
import { lockedTransaction, qualified, quoteIdent } from "./sql.ts";
import {
  CHANGE_TYPE,
  COMMIT_TIMESTAMP,
  COMMIT_VERSION,
  changesName,
  ensureSchema,
  tableColumns,
} from "./tables.ts";

/**
 * Silver: the change feed since the model's checkpoint, reduced to the last change per key, projected through
 * the model in the warehouse, merged (SCD1: upsert and delete; SCD2: close the current row and open a new one;
 * an empty silver table: insert), and the checkpoint advanced, in one transaction. Changes between two silver runs collapse: SCD2 history has
 * one row per key per silver commit in which the key changed.
 */

async function ensureSilverTable(
  client: ClientBase,
  target: SilverTarget,
  cols: ProjectedColumn[],
): Promise<string> {
  const { model, silverSchema } = target;
  const name = qualified(silverSchema, model.name);
  const scd2 = model.scd === 2;
  const existing = await tableColumns(client, silverSchema, model.name);
  if (existing === null) {
    const types = { quoteIdent, bigint: "bigint", boolean: "boolean", timestamp: "timestamptz" };
    const defs = silverColumnDefinitions(model, cols, types);
    const key = [...model.key.map(quoteIdent), ...(scd2 ? ["valid_from"] : [])];
    await ensureSchema(client, silverSchema);
    await client.query(
      `CREATE TABLE ${name} (\n  ${defs.join(",\n  ")},\n  PRIMARY KEY (${key.join(", ")})\n)`,
    );
    if (scd2) {
      await client.query(
        `CREATE UNIQUE INDEX ${quoteIdent(`${model.name}__current`)} ON ${name} (${model.key.map(quoteIdent).join(", ")}) WHERE is_current`,
      );
    }
    return name;
  }
  for (const c of addedColumns(cols, existing)) {
    await client.query(`ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
  }
  return name;
}

/** Runs `work` in a transaction holding the model's lock: one silver commit of a model at a time. */
function underModelLock<T>(client: ClientBase, target: SilverTarget, work: () => Promise<T>): Promise<T> {
  return lockedTransaction(client, `smelter:silver:${target.pipeline}:${target.model.name}`, work, "silver");
}

async function bronzeColumns(client: ClientBase, target: SilverTarget) {
  return requireBronze(target, await tableColumns(client, target.bronzeSchema, target.table.name));
}

/** Merges the change feed since the model's checkpoint; see the module comment. */
export async function applySilver(
  client: ClientBase,
  target: SilverTarget,
  hooks: StepHooks,
): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  requireChangeFeed(target);
  return underModelLock(client, target, async () => {
    const {
      checkpoint: from,
      floor,
      version: to,
    } = await phase("silver: read checkpoint and versions", () =>
      meta.silverStart(client, pipeline, table.name, model.name),
    );
    requireUnpruned(target, from, floor);
    if (to <= from) return nothingNew(from);
    const { cols, silver } = await phase("silver: bronze columns and silver table", async () => {
      const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
      return { cols, silver: await ensureSilverTable(client, target, cols) };
    });
    const changes = qualified(bronzeSchema, changesName(table.name));
    const range = `${quoteIdent(COMMIT_VERSION)} > ${from} AND ${quoteIdent(COMMIT_VERSION)} <= ${to}
          AND ${quoteIdent(CHANGE_TYPE)} <> 'update_preimage'`;
    const key = table.primaryKey.map(quoteIdent).join(", ");
    // Apart from its pre-image a key has at most one change row per version, so a single version needs no
    // reduction, and its row count is the commit's inserted + updated + deleted.
    const single = to === from + 1;
    const source = single
      ? `(SELECT * FROM ${changes} WHERE ${range}) c`
      : `(SELECT DISTINCT ON (${key}) * FROM ${changes} WHERE ${range} ORDER BY ${key}, ${quoteIdent(COMMIT_VERSION)} DESC) c`;
    const counts = await phase("silver: merge", async () => {
      const known = single ? await meta.changeRows(client, pipeline, table.name, to) : null;
      return mergeSource(client, target, cols, silver, source, known, hooks.log);
    });
    await phase("silver: checkpoint", () =>
      meta.setSilverCheckpoint(client, pipeline, model.name, table.name, to),
    );
    hooks.fault("silver:after-merge");
    return { versionFrom: from, versionTo: to, ...counts };
  });
}

/**
 * Full refresh: empties the silver table and fills it from the bronze table's current rows, checkpointing the
 * current version. The way back after the change feed was pruned past a model's checkpoint, or after a model's
 * definition changed. SCD2 history is lost: every row starts a new history at the time of the rebuild.
 */
export async function rebuildSilver(client: ClientBase, target: SilverTarget): Promise<SilverResult> {
  const { pipeline, table, model, bronzeSchema } = target;
  return underModelLock(client, target, async () => {
    const to = await meta.currentVersion(client, pipeline, table.name);
    const cols = projectModel(model, await bronzeColumns(client, target), `${bronzeSchema}.${table.name}`);
    const silver = await ensureSilverTable(client, target, cols);
    await client.query(`TRUNCATE ${silver}`);
    const source = `(SELECT *, 'insert'::text AS ${quoteIdent(CHANGE_TYPE)}, ${to}::bigint AS ${quoteIdent(COMMIT_VERSION)},
              now() AS ${quoteIdent(COMMIT_TIMESTAMP)} FROM ${qualified(bronzeSchema, table.name)}) c`;
    const counts = await mergeSource(client, target, cols, silver, source, null, () => undefined);
    await meta.setSilverCheckpoint(client, pipeline, model.name, table.name, to);
    return { versionFrom: 0, versionTo: to, ...counts };
  });
}
