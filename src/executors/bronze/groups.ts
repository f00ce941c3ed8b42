import type { BatchManifest } from "../../landing/types.ts";

/** Upper bounds of one bronze commit: batches and rows staged together. */
export const GROUP_LIMITS = { batches: 50, rows: 5_000_000 };

function columnSet(m: BatchManifest): string {
  return JSON.stringify(m.schema.columns.map((c) => [c.name, c.parquetType, c.logical]));
}

/**
 * Splits pending batches (in batch order) into commits. Consecutive batches with the same columns share one
 * commit and one version (changes read from a log share a commit only with each other, applied a version per change of a key), which is exact because duplicate keys across them are reduced by cursor then batch
 * order, exactly as if they had been applied one after another (only intermediate versions of a key are not
 * recorded in the change feed). A batch carrying key files (reconciliation) ends its commit: its key set describes
 * the source after the batches before it were read (applying them first and then reconciling leaves the same rows
 * as one commit does), not after a later batch was; so a chunked first load is one commit with its key set.
 */
export function groupBatches(pending: BatchManifest[], limits = GROUP_LIMITS): BatchManifest[][] {
  const groups: BatchManifest[][] = [];
  let current: BatchManifest[] = [];
  let rows = 0;
  const flush = () => {
    if (current.length) groups.push(current);
    current = [];
    rows = 0;
  };
  for (const m of pending) {
    const first = current[0];
    const fits =
      first !== undefined &&
      columnSet(first) === columnSet(m) &&
      Boolean(first.changes) === Boolean(m.changes) &&
      current.length < limits.batches &&
      rows + m.rows <= limits.rows;
    if (!fits) flush();
    current.push(m);
    rows += m.rows;
    if (m.keyFiles) flush();
  }
  flush();
  return groups;
}
