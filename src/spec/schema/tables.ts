import { type Static, Type } from "@sinclair/typebox";
import { Const, define, Enum, MapOf, OfType, ref } from "./builders.ts";
import { ColumnList, ColumnName, Duration, Freshness, Identifier, KeyList, SqlType } from "./common.ts";

/*
 * `tables` and `defaults`: what a table extracts and how bronze keeps it. The options a table shares with
 * `defaults` are `tableOptions`; `table` adds the table's own fields to them.
 */

export const Deletes = define(
  "deletes",
  Type.Union(
    [
      Enum(["none", "reconcile"]),
      Type.Object({ mode: Const("none") }, { additionalProperties: false }),
      Type.Object(
        {
          mode: Const("soft"),
          column: ref(ColumnName),
          value: Type.Optional(OfType(["string", "number", "boolean"], { description: "Default true." })),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          mode: Const("reconcile"),
          every_runs: Type.Optional(Type.Integer({ minimum: 1, description: "Default 1." })),
        },
        { additionalProperties: false },
      ),
    ],
    { "x-expected": "none, reconcile, {mode: soft, column, value}, or {mode: reconcile, every_runs}" },
  ),
);

export const Bronze = define(
  "bronze",
  Type.Partial(
    Type.Object(
      {
        schema_evolution: Enum(["add_columns", "rescue", "fail"], {
          description:
            "New source columns: add them, keep them in a `_rescued_data` JSON column, or fail. Default add_columns.",
        }),
        change_feed: Type.Boolean({ description: "Write the change feed; default true." }),
      },
      { additionalProperties: false },
    ),
  ),
);

export const TableOptions = define(
  "tableOptions",
  Type.Partial(
    Type.Object(
      {
        source: ref(Identifier, { description: "Source connection name." }),
        mode: Enum(["incremental", "full", "cdc"], {
          description:
            "incremental: rows at or after the cursor; full: the whole table in key chunks; cdc: every change from the database's log (docs/cdc.md). Default incremental.",
        }),
        chunk_size: Type.Integer({
          minimum: 1,
          description: "Rows per key-range chunk of a full load; default 100000.",
        }),
        lag: ref(Duration, { description: "Re-read window behind the watermark; default 0." }),
        deletes: ref(Deletes),
        bronze: ref(Bronze),
        file_rows: Type.Integer({ minimum: 1000, description: "Rows per parquet file; default 250000." }),
      },
      { description: "Options a table may set and `defaults` may give for all tables." },
    ),
  ),
);

export const TableDefaults = define(
  "tableDefaults",
  ref(TableOptions, {
    type: "object",
    unevaluatedProperties: false,
    description: "Table options applied to every table that does not set them.",
  }),
);

/** The fields only a table has; `table` admits them besides `tableOptions`. */
const TableOwn = Type.Object({
  name: ref(Identifier, { description: "Bronze table name." }),
  table: Type.Optional(
    Type.String({
      pattern: "^[^.\\s]+(\\.[^.\\s]+)?$",
      "x-expected": "a source table name, optionally schema.table",
      description: "Source table; default: the name.",
    }),
  ),
  query: Type.Optional(Type.String({ minLength: 1, description: "A SELECT instead of a table." })),
  primary_key: ref(KeyList),
  cursor: Type.Optional(ref(ColumnList)),
  columns: Type.Optional(
    Type.Partial(
      Type.Object({ include: ref(ColumnList), exclude: ref(ColumnList) }, { additionalProperties: false }),
    ),
  ),
  type_overrides: Type.Optional(MapOf(ref(ColumnName), ref(SqlType))),
  cluster_by: Type.Optional(ref(ColumnList)),
  freshness: Type.Optional(ref(Freshness)),
  partition_by: Type.Optional(
    Type.Object(
      {
        column: ref(ColumnName),
        kind: Type.Optional(Enum(["list", "hash"], { description: "Default list." })),
        partitions: Type.Optional(Type.Integer({ minimum: 2, maximum: 1024 })),
      },
      { additionalProperties: false },
    ),
  ),
});

export const Table = define(
  "table",
  Type.Unsafe<Static<typeof TableOptions> & Static<typeof TableOwn>>({
    type: "object",
    $ref: ref(TableOptions).$ref,
    required: TableOwn.required,
    unevaluatedProperties: false,
    properties: TableOwn.properties,
  }),
);

/** The options of one table, or of `defaults`, as written. */
export type RawTableOptions = Static<typeof TableOptions>;
/** A table as written. */
export type RawTable = Static<typeof Table>;
