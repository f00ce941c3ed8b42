import type { ChangeSummary } from "./changes.ts";
import type { PipelineCounts } from "./counts.ts";

/** Plain-text tables the demo prints: rows per layer (with the change since a previous count) and a round's changes. */

const fmt = (n: number | null): string => (n === null ? "-" : n.toLocaleString("en-US"));

/** `before` undefined: nothing to compare with; null: the layer did not exist, so it counts as empty. */
function delta(now: number | null, before: number | null | undefined): string {
  if (now === null || before === undefined || now === (before ?? 0)) return "";
  const d = now - (before ?? 0);
  return ` (${d > 0 ? "+" : ""}${d.toLocaleString("en-US")})`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("   ")}`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/**
 * Rows per layer. With `before`, each number is followed by its change since then. Landed rows add up every
 * batch ever landed, so after an incremental run they grow by what that run extracted.
 */
export function formatCounts(counts: PipelineCounts, before?: PipelineCounts): string[] {
  const prev = new Map(before?.tables.map((t) => [t.table, t]));
  const prevSilver = new Map(before?.silver.map((m) => [m.model, m]));
  const tables = table(
    ["table", "source", "landed", "batches", "bronze"],
    counts.tables.map((t) => {
      const p = prev.get(t.table);
      return [
        t.table,
        fmt(t.source) + delta(t.source, p ? p.source : undefined),
        fmt(t.landed) + delta(t.landed, p ? p.landed : undefined),
        String(t.batches),
        fmt(t.bronze) + delta(t.bronze, p ? p.bronze : undefined),
      ];
    }),
  );
  const silver = table(
    ["silver model", "from", "rows"],
    counts.silver.map((m) => [
      m.model,
      m.from,
      fmt(m.silver) + delta(m.silver, before ? (prevSilver.get(m.model)?.silver ?? null) : undefined),
    ]),
  );
  return [...tables, "", ...silver];
}

/** What a round of source changes did, per table. */
export function formatChanges(summary: ChangeSummary): string[] {
  const rows = Object.entries(summary.tables).map(([name, c]) => [
    name,
    fmt(c.inserted),
    fmt(c.updated),
    fmt(c.softDeleted),
    fmt(c.deleted),
  ]);
  const lines = table(["table", "inserted", "updated", "soft-deleted", "deleted"], rows);
  if (summary.addedColumns.length > 0) lines.push(`  new column: ${summary.addedColumns.join(", ")}`);
  return lines;
}
