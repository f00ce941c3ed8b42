import type { SparkClient } from "./client.ts";
import { compactInTurn, type HistoryPage, holdsAll, meta } from "./metadata.ts";
import { integer, literal } from "./sql.ts";

/**
 * The highest log position applied to a cdc table since its last snapshot: a change at or below it was applied
 * before (landed again after a position moved back), even when bronze no longer holds its key. The value commits
 * with the data, in the note of the commit that applied the changes (`order=`; a commit of snapshot rows says
 * `snap=1`, which forgets it); `_smelter.change_orders` keeps a durable copy per commit (Delta's history is pruned),
 * appended after the commit's record. While the table's history holds every commit, the value is read from there;
 * after that, from the newest copy, or a newer commit history still has (a crash before its copy), recorded then.
 */

const TABLE = "change_orders";

/** Appends the table's highest applied position as of its commit `seq` (null: forgotten by a snapshot). */
export async function recordChangeOrder(
  client: SparkClient,
  pipeline: string,
  table: string,
  seq: number,
  order: string | null,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  if (order !== null && !/^\d+$/.test(order)) throw new Error(`not a log position: ${order}`);
  await client.query(`INSERT INTO ${meta(TABLE)} VALUES (${literal(pipeline)}, ${literal(table)}, ${integer(seq)},
    ${order === null ? "NULL" : `CAST(${literal(order)} AS DECIMAL(38,0))`}, current_timestamp())`);
  await compactInTurn(client, TABLE, JSON.stringify([pipeline, table]), seq, log);
}

/**
 * The table's highest applied position (null: none since its last snapshot), from `page` (the newest entries of the
 * table's history) when it holds every commit, else from the newest record or a newer commit of the page.
 */
export async function highestApplied(
  client: SparkClient,
  pipeline: string,
  table: string,
  page: HistoryPage,
): Promise<string | null> {
  const history = page.commits;
  if (holdsAll(page)) {
    // History holds every commit: the newest that set a position, or a snapshot that started over.
    const newest = history.find((h) => h.note.order || h.note.snap);
    return newest?.note.order && !newest.note.snap ? newest.note.order : null;
  }
  const rows = await client.query(
    `SELECT seq, CAST(max_order AS STRING) AS o FROM ${meta(TABLE)}
      WHERE pipeline = ${literal(pipeline)} AND table_name = ${literal(table)} ORDER BY seq DESC LIMIT 1`,
  );
  const last = rows[0];
  const seq = last ? Number(last.seq) : 0;
  const newer = history.find((h) => Number(h.note.seq) > seq && (h.note.order || h.note.snap));
  if (!newer) return last?.o ?? null;
  const order = newer.note.snap ? null : (newer.note.order as string);
  await recordChangeOrder(client, pipeline, table, Number(newer.note.seq), order);
  return order;
}

/** The higher of two log positions (null: none). */
export function higher(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
}
