import { DataError } from "../../errors.ts";
import type { BronzeLoad } from "../types.ts";
import type { SparkClient, SparkRow } from "./client.ts";
import { qualified, quoteIdent } from "./sql.ts";
import type { BronzeShape } from "./tables.ts";
import { columnType } from "./types.ts";

/*
 * A column whose type changed at the source (INT widened to BIGINT, DECIMAL(10,2) to DECIMAL(20,4)) keeps its
 * bronze type (docs/bronze-silver.md#schema-evolution), and the write casts its staged values into it: Spark's
 * CAST rounds a decimal to the column's scale without a word (and an INT overflow fails the write with Spark's
 * own message). So before anything is written, the staged values of every column whose landed type differs from
 * bronze's are cast to bronze's type (`try_cast`: NULL when the value does not fit) and back: a value that does not
 * come back the same stops the commit with a DataError naming the table, the column, both types and the way out.
 * Columns of equal types are not read. As on PostgreSQL (../postgres/fits.ts).
 */

/** A Spark type as DESCRIBE and smelter's DDL both spell it: lower case, no spaces. */
const spelled = (type: string) => type.toLowerCase().replace(/\s+/g, "");

/**
 * Throws a DataError (not retryable) when a staged value (the view `stage`) of a column whose type changed at the
 * source does not survive the cast into bronze's type unchanged; see the module comment.
 */
export async function checkStagedFit(
  client: SparkClient,
  load: BronzeLoad,
  shape: BronzeShape,
  stage: string,
): Promise<void> {
  if (shape.created) return;
  const landed = new Map(load.columns.map((c) => [c.name, columnType(c)]));
  for (const c of shape.columns) {
    const from = landed.get(c.name);
    if (!from || spelled(from) === spelled(c.type)) continue;
    const col = quoteIdent(c.name);
    const back = `CAST(try_cast(${col} AS ${c.type}) AS ${from})`;
    let rows: SparkRow[];
    try {
      rows = await client.query(
        `SELECT CAST(${col} AS STRING) AS v FROM ${stage}
          WHERE ${col} IS NOT NULL AND NOT (${back} <=> ${col}) LIMIT 1`,
      );
    } catch {
      // No cast between the types, or values that do not compare: left to the write, which reports it as before.
      continue;
    }
    const value = rows[0]?.v;
    if (value === undefined) continue;
    const { schema, table } = load;
    const bronze = qualified(schema, table.name);
    const batches = load.batches.map((b) => b.batchId).join(", ");
    throw new DataError(
      `bronze table ${schema}.${table.name}: column ${c.name} is ${c.type} in bronze, but batch(es) ${batches} land it as ${from} (its type changed at the source) and value ${value} would change to fit it. Bronze keeps a column's type: widen it (ALTER TABLE ${bronze} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true'), then ALTER TABLE ${bronze} ALTER COLUMN ${col} TYPE ${from}), run bronze again, then rebuild the silver models that read the table (smelter rebuild-silver: Delta's change feed is not read across a type change); nothing was applied and retrying as it is will not help`,
    );
  }
}
