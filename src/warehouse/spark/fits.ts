import { DataError } from "../../errors.ts";
import { keyAlias, keyText, kindChange, silverMisfitError } from "../fits.ts";
import type { ProjectedColumn } from "../silver-projection.ts";
import type { BronzeLoad, SilverTarget } from "../types.ts";
import type { SparkClient, SparkRow } from "./client.ts";
import { qualified, quoteIdent } from "./sql.ts";
import { type BronzeShape, rewriteWithTypes, type TypedColumn } from "./tables.ts";
import { columnType } from "./types.ts";

/*
 * A column whose type changed at the source (INT widened to BIGINT, DECIMAL(10,2) to DECIMAL(20,4)) keeps its
 * bronze type (docs/bronze-silver.md#schema-evolution), and the write casts its staged values into it: Spark's
 * CAST rounds a decimal to the column's scale without a word (and an INT overflow fails the write with Spark's
 * own message). So before anything is written, the staged values of every column whose landed type differs from
 * bronze's are cast to bronze's type (`try_cast`: NULL when the value does not fit) and back: a value that does not
 * come back the same stops the commit with a DataError naming the table, the column, both types and the way out.
 * Columns of equal types are not read. As on PostgreSQL (../postgres/fits.ts).
 *
 * A change of kind (numeric, string, date and time, boolean, ...; INT to VARCHAR, DATETIME to VARCHAR) is refused
 * whatever the values, as on PostgreSQL: numeric text survives the cast into an INT column, but the column no
 * longer holds numbers at the source, and the first value that is none would stop a later batch far from the ALTER.
 * Delta changes no column's kind in place (type widening stays within numbers and within dates), so the way out is
 * one statement that rewrites the table with the new types (`rewriteWithTypes`).
 *
 * Silver does the same with its projected rows against a silver table built before bronze was widened, whose
 * MERGE (or a rebuild's INSERT OVERWRITE) would round them the same way.
 */

/** Spark's other names of a type, as DESCRIBE spells them. */
const CANONICAL: Record<string, string> = {
  integer: "int",
  long: "bigint",
  short: "smallint",
  byte: "tinyint",
  decimal: "decimal(10,0)",
  dec: "decimal(10,0)",
  numeric: "decimal(10,0)",
};

/** A Spark type as DESCRIBE spells it: lower case, no spaces, aliases resolved (`INTEGER` → `int`). */
function spelled(type: string): string {
  const t = type
    .toLowerCase()
    .replace(/\s+/g, "")
    .replace(/^(dec|numeric)\(/, "decimal(");
  return CANONICAL[t] ?? t;
}

/** Whether two spellings name the same Spark type. */
function sameType(a: string, b: string): boolean {
  return spelled(a) === spelled(b);
}

/** A Spark type's kind, as messages name it: PostgreSQL's type categories, in Spark's types. */
export function kindOf(type: string): string {
  const t = spelled(type);
  if (INTEGERS.includes(t) || t === "float" || t === "double" || t.startsWith("decimal(")) return "numeric";
  if (t === "string" || /^(var)?char\(/.test(t)) return "string";
  if (t === "date" || t.startsWith("timestamp")) return "date and time";
  return /^[a-z_]+/.exec(t)?.[0] ?? t;
}

/** Digits before the point of each integer type, as a decimal would need them (Delta widens integers to those). */
const INTEGER_DIGITS: Record<string, number> = { tinyint: 3, smallint: 5, int: 10, bigint: 20 };
const INTEGERS = ["tinyint", "smallint", "int", "bigint"];

/** Precision and scale of a decimal type, or of the smallest decimal an integer type widens to. */
function decimalOf(type: string): { p: number; s: number } | null {
  const m = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (m) return { p: Number(m[1]), s: Number(m[2]) };
  const digits = INTEGER_DIGITS[type];
  return digits === undefined ? null : { p: digits, s: 0 };
}

/**
 * Whether Delta 4.0's type widening (`delta.enableTypeWidening`) changes a column of type `from` to `to` in place:
 * an integer to a wider integer, to a decimal holding its digits, or (up to INT) to DOUBLE; FLOAT to DOUBLE; DECIMAL(p,s)
 * to DECIMAL(p+k1,s+k2) with k1 ≥ k2 ≥ 0; DATE to TIMESTAMP_NTZ (docs.delta.io/delta-type-widening).
 */
export function deltaWidens(from: string, to: string): boolean {
  const [a, b] = [spelled(from), spelled(to)];
  if (a === b) return false;
  if (INTEGERS.includes(a) && INTEGERS.includes(b)) return INTEGERS.indexOf(b) > INTEGERS.indexOf(a);
  if (b === "double") return a === "float" || (INTEGERS.includes(a) && a !== "bigint");
  if (a === "date") return b === "timestamp_ntz";
  const [x, y] = [decimalOf(a), decimalOf(b)];
  if (!x || !/^decimal\(/.test(b) || !y) return false;
  const k1 = y.p - x.p;
  const k2 = y.s - x.s;
  return k1 >= k2 && k2 >= 0;
}

/** Delta's two statements that widen column `column` of `table` to `type` in place. */
function typeWidening(table: string, column: string, type: string): string {
  return `widen it with Delta's type widening (ALTER TABLE ${table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true'); ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column)} TYPE ${type})`;
}

/**
 * The first row of `view` (a temporary view or cached table of this session) holding a value of `column` (of type
 * `from`) that does not come back the same from a cast to `to`, among the rows `rows` selects; `key` columns come
 * with it as `keyAlias` text. Null when every value fits, or when the values cannot be cast or compared (left to the
 * write, which reports it as before).
 */
async function firstChanged(
  client: SparkClient,
  view: string,
  column: string,
  from: string,
  to: string,
  options: { key?: readonly string[]; rows?: string } = {},
): Promise<SparkRow | null> {
  const { key = [], rows = "true" } = options;
  const col = quoteIdent(column);
  const back = `CAST(try_cast(${col} AS ${to}) AS ${from})`;
  const keys = key.map((k) => `, CAST(${quoteIdent(k)} AS STRING) AS ${quoteIdent(keyAlias(k))}`).join("");
  try {
    const found = await client.query(
      `SELECT CAST(${col} AS STRING) AS v${keys} FROM ${view}
        WHERE (${rows}) AND ${col} IS NOT NULL AND NOT (${back} <=> ${col}) LIMIT 1`,
    );
    return found[0] ?? null;
  } catch {
    return null;
  }
}

/** The smallest value of `column` in `view` as text, among the rows `rows` selects; null when all are NULL. */
async function someValue(
  client: SparkClient,
  view: string,
  column: string,
  rows = "true",
): Promise<string | null> {
  const found = await client.query(
    `SELECT min(CAST(${quoteIdent(column)} AS STRING)) AS v FROM ${view} WHERE ${rows}`,
  );
  return found[0]?.v ?? null;
}

/**
 * Throws a DataError (not retryable) when a staged value (the view `stage`) of a column whose type changed at the
 * source does not survive the cast into bronze's type unchanged, or when its type changed kind; see the module
 * comment.
 */
export async function checkStagedFit(
  client: SparkClient,
  load: BronzeLoad,
  shape: BronzeShape,
  stage: string,
): Promise<void> {
  if (shape.created) return;
  const landed = new Map(load.columns.map((c) => [c.name, columnType(c)]));
  const { schema, table } = load;
  const batches = load.batches.map((b) => b.batchId).join(", ");
  const rekinded = shape.columns.flatMap((c) => {
    const from = landed.get(c.name);
    return from && !sameType(from, c.type) && kindOf(from) !== kindOf(c.type) ? [{ ...c, from }] : [];
  });
  const first = rekinded[0];
  if (first) {
    const value = await someValue(client, stage, first.name);
    const types = new Map(rekinded.map((c) => [c.name, c.from]));
    const also =
      rekinded.length > 1
        ? `, and so do ${rekinded
            .slice(1)
            .map((c) => `${c.name} (${c.type} to ${c.from})`)
            .join(", ")}`
        : "";
    throw new DataError(
      `bronze table ${schema}.${table.name}: column ${first.name} is ${first.type} in bronze, but batch(es) ${batches} land it as ${first.from} (its type changed at the source) and ${kindChange(kindOf(first.type), kindOf(first.from), value)}${also}. Bronze keeps a column's type, and Delta changes no column's kind in place: rewrite the table with the new type${rekinded.length > 1 ? "s" : ""} (${await rewriteWithTypes(client, schema, table.name, types)}), run bronze again, then rebuild the silver models that read the table (smelter rebuild-silver: Delta's change feed is not read across a type change); nothing was applied and retrying as it is will not help`,
    );
  }
  for (const c of shape.columns) {
    const from = landed.get(c.name);
    if (!from || sameType(from, c.type)) continue;
    const value = (await firstChanged(client, stage, c.name, from, c.type))?.v;
    if (value === undefined || value === null) continue;
    const bronze = qualified(schema, table.name);
    throw new DataError(
      `bronze table ${schema}.${table.name}: column ${c.name} is ${c.type} in bronze, but batch(es) ${batches} land it as ${from} (its type changed at the source) and value ${value} would change to fit it. Bronze keeps a column's type: ${typeWidening(bronze, c.name, from)}, run bronze again, then rebuild the silver models that read the table (smelter rebuild-silver: Delta's change feed is not read across a type change); nothing was applied and retrying as it is will not help`,
    );
  }
}

/**
 * Throws a DataError (not retryable) when a projected value (the cached view `proj`) that stays in silver would not
 * survive the cast into the silver table's narrower column unchanged; see the module comment. `silver` holds the
 * silver table's columns; `again` names what to run once it is widened (`run silver again`).
 */
export async function checkProjectedFit(
  client: SparkClient,
  target: SilverTarget,
  cols: readonly ProjectedColumn[],
  silver: readonly TypedColumn[],
  proj: string,
  again: string,
): Promise<void> {
  const types = new Map(silver.map((c) => [c.name, c.type]));
  const { model, silverSchema } = target;
  for (const c of cols) {
    const to = types.get(c.name);
    if (!to || sameType(c.type, to)) continue;
    const table = qualified(silverSchema, model.name);
    // Where type widening cannot change the column, a silver table created anew takes the model's types.
    const anew = `Delta's type widening cannot change ${to} to ${c.type} in place: drop the table (DROP TABLE ${table}) and rebuild the model (smelter rebuild-silver), which creates it with the model's types`;
    const [was, now] = [kindOf(to), kindOf(c.type)];
    if (was !== now) {
      const value = await someValue(client, proj, c.name, "NOT _smelter_del");
      const misfit = {
        name: c.name,
        from: c.type,
        to,
        what: kindChange(was, now, value),
        key: null,
        kindChanged: true,
      };
      throw silverMisfitError(target, misfit, anew);
    }
    const row = await firstChanged(client, proj, c.name, c.type, to, {
      key: model.key,
      rows: "NOT _smelter_del",
    });
    if (!row) continue;
    const remedy = deltaWidens(to, c.type) ? `${typeWidening(table, c.name, c.type)} and ${again}` : anew;
    throw silverMisfitError(
      target,
      {
        name: c.name,
        from: c.type,
        to,
        what: `value ${row.v} would change to fit it`,
        key: keyText(model.key, row),
      },
      remedy,
    );
  }
}
