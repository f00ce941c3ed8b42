import { createHash } from "node:crypto";
import { ConfigError } from "../../errors.ts";
import type { BatchManifest, ManifestColumn } from "../../landing/types.ts";
import { logicalName } from "../../logical-type.ts";
import type { SourceColumn, SourceDriver } from "../../sources/types.ts";
import type { TableSpec } from "../../spec/types.ts";
import type { LandedColumn } from "./writer.ts";

/** The columns an extraction reads and lands, with what the manifest records about them. */
export interface ExtractSchema {
  landed: LandedColumn[];
  manifest: BatchManifest["schema"];
}

/**
 * Applies `columns.include/exclude` and `typeOverrides` to the introspected columns, maps each to its landing
 * type and compares the result with the previous batch's schema (drift is recorded, bronze decides what to do).
 * Key and cursor columns are always kept.
 */
export function extractSchema(
  table: TableSpec,
  source: { driver: SourceDriver; name: string; timezone: string },
  columns: SourceColumn[],
  previous: BatchManifest | null,
): ExtractSchema {
  const specPath = `tables.${table.name}`;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const required = [...table.primaryKey, ...table.cursor];
  for (const name of [...required, ...(table.columns.include ?? []), ...Object.keys(table.typeOverrides)]) {
    if (!byName.has(name)) {
      throw new ConfigError(
        `${specPath}: column "${name}" does not exist in source ${source.name} (${table.table ?? "query"}); ` +
          `found: ${columns.map((c) => c.name).join(", ")}`,
      );
    }
  }
  const include = table.columns.include ? new Set([...table.columns.include, ...required]) : null;
  const exclude = new Set((table.columns.exclude ?? []).filter((c) => !required.includes(c)));
  const chosen = columns.filter((c) => (!include || include.has(c.name)) && !exclude.has(c.name));
  const where = `${specPath} (source ${source.name})`;
  const landed = chosen.map((column) => {
    const override = table.typeOverrides[column.name];
    return {
      name: column.name,
      mapping: source.driver.mapColumn(column, {
        where,
        timezone: source.timezone,
        ...(override ? { override } : {}),
      }),
    };
  });
  const manifestColumns: ManifestColumn[] = landed.map((c, i) => ({
    name: c.name,
    sourceType: (chosen[i] as SourceColumn).columnType,
    parquetType: c.mapping.parquetType,
    logical: c.mapping.logical,
    nullable: (chosen[i] as SourceColumn).nullable,
  }));
  return {
    landed,
    manifest: withDrift(
      { columns: manifestColumns, fingerprint: fingerprint(manifestColumns), added: [], removed: [] },
      previous,
    ),
  };
}

/** The schema with `added`/`removed` set against the previous batch's columns (none without a previous batch). */
export function withDrift(
  schema: BatchManifest["schema"],
  previous: BatchManifest | null,
): BatchManifest["schema"] {
  if (!previous) return { ...schema, added: [], removed: [] };
  const names = new Set(schema.columns.map((c) => c.name));
  const before = new Set(previous.schema.columns.map((c) => c.name));
  return {
    ...schema,
    added: [...names].filter((n) => !before.has(n)),
    removed: [...before].filter((n) => !names.has(n)),
  };
}

/** Short hash of names and types: equal fingerprints mean bronze can skip comparing schemas. */
export function fingerprint(columns: ManifestColumn[]): string {
  const text = columns.map((c) => `${c.name}:${c.parquetType}:${logicalName(c.logical)}`).join("|");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(.*)$/;

/**
 * Moves a cursor start back by the lag window. Only timestamp cursors have a lag; the value keeps its text form
 * (fraction digits and zone suffix) so the source compares it exactly as before.
 */
export function applyLag(from: unknown[] | null, lagSeconds: number, specPath: string): unknown[] | null {
  if (!from || lagSeconds <= 0) return from;
  const first = from[0];
  const match = typeof first === "string" ? TIMESTAMP_TEXT.exec(first) : null;
  if (!match) {
    throw new ConfigError(
      `${specPath}.lagSeconds: the first cursor column must be a timestamp to use a lag window`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction = "", zone = ""] = match;
  const ms =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - lagSeconds * 1000;
  const shifted = new Date(ms).toISOString().slice(0, 19).replace("T", " ");
  return [`${shifted}${fraction}${zone}`, ...from.slice(1)];
}
