import type { ClientBase } from "pg";
import { DataError } from "../../errors.ts";
import { comparable, qualified, quoteIdent, sqlType } from "./sql.ts";
import { STAGE } from "./stage.ts";
import type { StagedLoad } from "./staging/types.ts";
import { type BronzeShape, changesName } from "./tables.ts";

/*
 * A column whose type changed at the source (INT widened to BIGINT, DECIMAL(10,2) to DECIMAL(20,4)) keeps its
 * bronze type (docs/bronze-silver.md#schema-evolution), and its staged values are cast into it by the MERGE. An
 * assignment cast can fail (integer out of range) or, worse, change the value without a word (numeric rounds to
 * the column's scale). So before anything is applied, the staged values of every column whose staged type differs
 * from bronze's are cast to bronze's type and back: a value that does not come back the same stops the commit with
 * a DataError naming the table, the column, both types and the way out. Columns of equal types are not read.
 */

const SAVEPOINT = "smelter_fits";

/** The staged columns whose type differs from the bronze column of the same name: name, staged and bronze type. */
async function changedTypes(
  client: ClientBase,
  shape: BronzeShape,
): Promise<{ name: string; staged: string; bronze: string }[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [STAGE],
  );
  const bronze = new Map(shape.columns.map((c) => [c.name, c.type]));
  return rows.flatMap((r) => {
    const to = bronze.get(r.name);
    return to && to !== r.type ? [{ name: r.name, staged: r.type, bronze: to }] : [];
  });
}

/** `; the staged values range from A to B`, or nothing for a type without an order. */
async function range(client: ClientBase, col: string): Promise<string> {
  await client.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const { rows } = await client.query<{ lo: string; hi: string }>(
      `SELECT min(${col})::text AS lo, max(${col})::text AS hi FROM ${STAGE}`,
    );
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return rows[0] ? `; the staged values range from ${rows[0].lo} to ${rows[0].hi}` : "";
  } catch {
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    return "";
  }
}

/**
 * Throws a DataError (not retryable) when a staged value of a column whose type changed at the source does not
 * survive the cast into bronze's type unchanged; see the module comment. Runs inside the commit's transaction,
 * after staging and before the MERGE.
 */
export async function checkStagedFit(
  client: ClientBase,
  load: StagedLoad,
  shape: BronzeShape,
): Promise<void> {
  if (shape.created) return;
  const { schema, table } = load;
  for (const c of await changedTypes(client, shape)) {
    const where = `${schema}.${table.name}.${c.name}`;
    const col = quoteIdent(c.name);
    const back = `${col}::${sqlType(c.bronze, where)}::${sqlType(c.staged, where)}`;
    let misfit: string | null = null;
    await client.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      const { rows } = await client.query<{ v: string }>(
        `SELECT ${col}::text AS v FROM ${STAGE}
          WHERE ${col} IS NOT NULL AND ${comparable(back, c.staged)} IS DISTINCT FROM ${comparable(col, c.staged)}
          LIMIT 1`,
      );
      await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      if (rows[0]) misfit = `value ${rows[0].v} would change to fit it`;
    } catch (error) {
      await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      const e = error as { code?: string; message?: string };
      // Class 22 (out of range, overflow): a value that cannot be cast. Anything else (no cast between the types)
      // is left to the MERGE, which reports it as before.
      if (!e.code?.startsWith("22")) continue;
      misfit = `a value does not fit it (${e.message}${await range(client, col)})`;
    }
    if (misfit === null) continue;
    const bronze = qualified(schema, table.name);
    const feed = table.bronze.changeFeed
      ? ` and on its change feed ${qualified(schema, changesName(table.name))}`
      : "";
    const batches = load.batches.map((b, i) => `${b.batchId} (${load.manifestKeys[i]})`).join(", ");
    throw new DataError(
      `bronze table ${schema}.${table.name}: column ${c.name} is ${c.bronze} in bronze, but batch(es) ${batches} land it as ${c.staged} (its type changed at the source) and ${misfit}. Bronze keeps a column's type: widen it (ALTER TABLE ${bronze} ALTER COLUMN ${col} TYPE ${c.staged}${feed}, and on silver tables built from it) and run bronze again, or re-sync the table; nothing was applied and retrying as it is will not help`,
    );
  }
}
