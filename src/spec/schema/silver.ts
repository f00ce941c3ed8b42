import { type Static, Type } from "@sinclair/typebox";
import { define, Enum, ref } from "./builders.ts";
import { ColumnName, Freshness, Identifier, SqlType } from "./common.ts";

/* `silver`: models fed by a bronze table's change feed. */

export const SilverColumn = define(
  "silverColumn",
  Type.Union(
    [
      ref(Identifier),
      Type.Object(
        { name: ref(Identifier), from: ref(ColumnName), type: Type.Optional(ref(SqlType)) },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          name: ref(Identifier),
          json: Type.Object(
            {
              column: ref(ColumnName),
              path: Type.String({ pattern: "^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$" }),
            },
            { additionalProperties: false },
          ),
          type: ref(SqlType),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        { name: ref(Identifier), expr: Type.String({ minLength: 1 }), type: ref(SqlType) },
        { additionalProperties: false },
      ),
    ],
    {
      "x-expected":
        "a column name, {name, from, type?}, {name, json: {column, path: $.a.b}, type} or {name, expr, type}",
    },
  ),
);

export const SilverModel = define(
  "silverModel",
  Type.Object(
    {
      name: ref(Identifier),
      from: ref(Identifier, { description: "The bronze table (a tables[].name) this model reads." }),
      key: Type.Optional(
        Type.Array(ref(Identifier), {
          minItems: 1,
          uniqueItems: true,
          "x-expected": "an array of silver column names",
          description: "Default: the bronze table's primary key.",
        }),
      ),
      include_all: Type.Optional(
        Type.Boolean({ description: "Also copy every bronze column not named in columns; default false." }),
      ),
      columns: Type.Optional(Type.Array(ref(SilverColumn), { "x-expected": "a list of columns" })),
      where: Type.Optional(Type.String({ minLength: 1, description: "SQL predicate over bronze columns." })),
      scd: Type.Optional(Enum([1, 2], { description: "Slowly changing dimension type; default 1." })),
      freshness: Type.Optional(ref(Freshness)),
    },
    { additionalProperties: false },
  ),
);

/** A silver column as written: a bronze column's name, or one of the three object forms. */
export type RawSilverColumn = Static<typeof SilverColumn>;
/** A silver model as written. */
export type RawSilverModel = Static<typeof SilverModel>;
