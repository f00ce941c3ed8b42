import type { ClientBase } from "pg";
import { DataError } from "../../errors.ts";
import { keyAlias, keyText, kindChange, type Misfit } from "../fits.ts";
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
 *
 * A change of kind (PostgreSQL's type category: numeric, string, date and time, ...; INT to VARCHAR, DATETIME to
 * VARCHAR) is refused whatever the values: numeric text would survive the cast into an integer column, but the
 * column no longer holds numbers at the source, and the first value that is no number would stop a later batch,
 * far from the ALTER that caused it. So the batch that first lands the new type stops, naming the ALTER (with its
 * USING cast) that gives bronze the new type. Silver does the same with its projected rows against a silver table
 * built before bronze's column was changed.
 */

const SAVEPOINT = "smelter_fits";

/** A type's kind (category) as messages name it: pg_type.typcategory, and for user-defined types the type. */
const CATEGORY: Record<string, string> = {
  A: "array",
  B: "boolean",
  D: "date and time",
  E: "enum",
  G: "geometric",
  I: "network address",
  N: "numeric",
  S: "string",
  T: "interval",
  V: "bit string",
};

/**
 * The kind of each formatted type: json and jsonb are one kind, other types of category U each their own. A type
 * PostgreSQL does not resolve has none (and is checked value by value).
 */
async function kinds(client: ClientBase, types: string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ type: string; category: string | null; name: string | null }>(
    `SELECT t AS type, p.typcategory AS category, p.typname AS name
       FROM unnest($1::text[]) AS t LEFT JOIN pg_type p ON p.oid = to_regtype(t)`,
    [types],
  );
  const kind = (r: (typeof rows)[number]): string | undefined => {
    if (r.name === "json" || r.name === "jsonb") return "json";
    return (r.category && CATEGORY[r.category]) ?? r.name ?? undefined;
  };
  return new Map(rows.flatMap((r) => (kind(r) ? [[r.type, kind(r) as string] as const] : [])));
}

/** The smallest value of a column as text, or null when all are NULL. */
async function someValue(client: ClientBase, temp: string, col: string): Promise<string | null> {
  const { rows } = await client.query<{ v: string | null }>(
    `SELECT min(${col}::text) AS v FROM ${temp} WHERE ${col} IS NOT NULL`,
  );
  return rows[0]?.v ?? null;
}

/** `ALTER TABLE <table> ALTER COLUMN <col> TYPE <type>`, with a USING cast when the kind changes. */
export function alterType(table: string, misfit: Misfit): string {
  const col = quoteIdent(misfit.name);
  const using = misfit.kindChanged ? ` USING ${col}::${misfit.from}` : "";
  return `ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${misfit.from}${using}`;
}

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
  const changed = target.filter((t) => types.has(t.name) && types.get(t.name) !== t.type);
  if (changed.length === 0) return null;
  const kindOf = await kinds(client, [...new Set(changed.flatMap((t) => [t.type, types.get(t.name)!]))]);
  for (const t of changed) {
    const from = types.get(t.name)!;
    const col = quoteIdent(t.name);
    const [was, now] = [kindOf.get(t.type), kindOf.get(from)];
    if (was && now && was !== now) {
      const value = await someValue(client, temp, col);
      return {
        name: t.name,
        from,
        to: t.type,
        kindChanged: true,
        key: null,
        what: kindChange(was, now, value),
      };
    }
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
          kindChanged: false,
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
        kindChanged: false,
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
  const feed = table.bronze.changeFeed
    ? `; ${alterType(qualified(schema, changesName(table.name)), misfit)}`
    : "";
  const batches = load.batches.map((b, i) => `${b.batchId} (${load.manifestKeys[i]})`).join(", ");
  const remedy = misfit.kindChanged ? "give it the new type" : "widen it";
  throw new DataError(
    `bronze table ${schema}.${table.name}: column ${misfit.name} is ${misfit.to} in bronze, but batch(es) ${batches} land it as ${misfit.from} (its type changed at the source) and ${misfit.what}. Bronze keeps a column's type: ${remedy} (${alterType(qualified(schema, table.name), misfit)}${feed}; and the same on the silver tables built from it) and run bronze again; nothing was applied and retrying as it is will not help`,
  );
}
