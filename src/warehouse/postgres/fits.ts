import type { ClientBase } from "pg";
import { DataError } from "../../errors.ts";
import { keyAlias, keyText, type Misfit } from "../fits.ts";
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
 * Silver does the same with its projected rows against a silver table built before bronze was widened.
 */

const SAVEPOINT = "smelter_fits";

/** Columns of `temp` (a temporary table of this session) by name → formatted type. */
async function tempTypes(client: ClientBase, temp: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [temp],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

/** `; the values range from A to B`, or nothing for a type without an order. */
async function range(client: ClientBase, temp: string, col: string): Promise<string> {
  await client.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const { rows } = await client.query<{ lo: string; hi: string }>(
      `SELECT min(${col})::text AS lo, max(${col})::text AS hi FROM ${temp}`,
    );
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return rows[0] ? `; the values range from ${rows[0].lo} to ${rows[0].hi}` : "";
  } catch {
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    return "";
  }
}

/**
 * The first column of `temp` whose values do not all survive the cast into the type `target` gives the column of
 * the same name unchanged, or null; see the module comment. Only columns whose types differ are read, and only
 * rows `rows` selects (an SQL condition over `temp`'s columns); `key` names the columns that identify a row in the
 * message.
 */
export async function firstMisfit(
  client: ClientBase,
  temp: string,
  target: readonly { name: string; type: string }[],
  where: string,
  options: { key?: readonly string[]; rows?: string } = {},
): Promise<Misfit | null> {
  const { key = [], rows: only = "TRUE" } = options;
  const keys = key.map((k) => `, ${quoteIdent(k)}::text AS ${quoteIdent(keyAlias(k))}`).join("");
  const types = await tempTypes(client, temp);
  for (const t of target) {
    const from = types.get(t.name);
    if (!from || from === t.type) continue;
    const col = quoteIdent(t.name);
    const back = `${col}::${sqlType(t.type, `${where} column ${t.name}`)}::${sqlType(from, `${where} column ${t.name}`)}`;
    await client.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      const { rows } = await client.query<Record<string, string>>(
        `SELECT ${col}::text AS v${keys} FROM ${temp}
          WHERE (${only}) AND ${col} IS NOT NULL
            AND ${comparable(back, from)} IS DISTINCT FROM ${comparable(col, from)}
          LIMIT 1`,
      );
      await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      const row = rows[0];
      if (row)
        return {
          name: t.name,
          from,
          to: t.type,
          what: `value ${row.v} would change to fit it`,
          key: key.length ? keyText(key, row) : null,
        };
    } catch (error) {
      await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      const e = error as { code?: string; message?: string };
      // Class 22 (out of range, overflow): a value that cannot be cast. Anything else (no cast between the types)
      // is left to the statement that writes the rows, which reports it as before.
      if (!e.code?.startsWith("22")) continue;
      return {
        name: t.name,
        from,
        to: t.type,
        what: `a value does not fit it (${e.message}${await range(client, temp, col)})`,
        key: null,
      };
    }
  }
  return null;
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
  const misfit = await firstMisfit(client, STAGE, shape.columns, `bronze table ${schema}.${table.name}`);
  if (!misfit) return;
  const bronze = qualified(schema, table.name);
  const col = quoteIdent(misfit.name);
  const alter = (name: string) => `ALTER TABLE ${name} ALTER COLUMN ${col} TYPE ${misfit.from}`;
  const feed = table.bronze.changeFeed ? `; ${alter(qualified(schema, changesName(table.name)))}` : "";
  const batches = load.batches.map((b, i) => `${b.batchId} (${load.manifestKeys[i]})`).join(", ");
  throw new DataError(
    `bronze table ${schema}.${table.name}: column ${misfit.name} is ${misfit.to} in bronze, but batch(es) ${batches} land it as ${misfit.from} (its type changed at the source) and ${misfit.what}. Bronze keeps a column's type: widen it (${alter(bronze)}${feed}; and the same on the silver tables built from it) and run bronze again; nothing was applied and retrying as it is will not help`,
  );
}
