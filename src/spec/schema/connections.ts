import { type Static, type TObject, Type } from "@sinclair/typebox";
import { Const, type Definition, define, Enum, ref } from "./builders.ts";
import { EnvRef, HostSetting, PortSetting, SecretRef, StringSetting, UrlSetting } from "./common.ts";

/*
 * `connections`: databases (sources, and the warehouse) and landing zones. A connection's `kind` picks which of
 * the shapes below applies (`connection`'s if/then), so a misspelt field is reported against that shape.
 */

/** The database kinds a connection may name; which of them can be a source or the warehouse is the registries'. */
export const DATABASE_KINDS = ["mariadb", "mysql", "postgres", "spark"] as const;

export const KeyPrefix = define(
  "keyPrefix",
  Type.String({
    pattern: "^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$",
    "x-expected": "a key prefix without leading or trailing slash",
    description: 'Default "landing".',
  }),
);

export const DatabaseConnection = define(
  "databaseConnection",
  Type.Partial(
    Type.Object(
      {
        kind: Enum(DATABASE_KINDS),
        url: ref(SecretRef, { description: "A connection URL; it may hold a password, so it is a secret." }),
        host: ref(HostSetting),
        port: ref(PortSetting),
        database: ref(StringSetting),
        user: ref(StringSetting),
        password: ref(SecretRef),
        timezone: Type.String({
          pattern: "^[+-][0-9]{2}:[0-9]{2}$",
          "x-expected": 'a UTC offset like "+00:00"',
          description: 'Session time zone used to read MariaDB/MySQL TIMESTAMP; default "+00:00".',
        }),
        max_connections: Type.Integer({ minimum: 1, maximum: 64, description: "Default 4." }),
        catalog: ref(StringSetting, {
          description: "Spark: the catalog bronze and silver schemas are created in; default spark_catalog.",
        }),
        location: ref(StringSetting, {
          description:
            "Spark: where Delta tables are stored, as <location>/<schema>/<table> (s3a://bucket/prefix or a directory); default: the catalog's managed location.",
        }),
        landing_path: ref(StringSetting, {
          description:
            "Spark: the landing zone's root as the warehouse reads it; default s3a://<bucket>/<prefix> for s3, <path>/<prefix> for local.",
        }),
      },
      { additionalProperties: false },
    ),
  ),
);

export const S3Connection = define(
  "s3Connection",
  Type.Object(
    {
      kind: Type.Optional(Const("s3")),
      bucket: ref(StringSetting),
      prefix: Type.Optional(ref(KeyPrefix)),
      region: Type.Optional(ref(StringSetting, { description: "Default us-east-1." })),
      endpoint: Type.Optional(ref(UrlSetting, { description: "For S3-compatible servers." })),
      access_key_id: Type.Optional(ref(SecretRef)),
      secret_access_key: Type.Optional(ref(SecretRef)),
    },
    { additionalProperties: false },
  ),
);

export const LocalConnection = define(
  "localConnection",
  Type.Object(
    {
      kind: Type.Optional(Const("local")),
      path: Type.Union([Type.String({ pattern: "^(/|file:///)" }), ref(EnvRef)], {
        "x-expected": "an absolute directory, file:///..., or {env: VARIABLE}",
      }),
      prefix: Type.Optional(ref(KeyPrefix)),
    },
    { additionalProperties: false },
  ),
);

/** A connection shape whose `kind`, optional in the shape itself, is required by `connection`. */
type Kinded<T extends TObject> = Static<T> & { kind: NonNullable<Static<T>["kind"]> };

/** A connection as written, narrowed by its `kind`. */
export type RawConnection =
  | Kinded<typeof DatabaseConnection>
  | Kinded<typeof S3Connection>
  | Kinded<typeof LocalConnection>;

/** `if` the connection's `kind` is one `shape` admits, `then` it must match `shape`. */
const when = (shape: Definition<TObject>) => ({
  if: { properties: { kind: shape.properties.kind } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's `then` keyword, not a thenable
  then: ref(shape),
});

export const Connection = define(
  "connection",
  Type.Unsafe<RawConnection>({
    type: "object",
    required: ["kind"],
    properties: { kind: Enum([...DATABASE_KINDS, "s3", "local"]) },
    allOf: [when(DatabaseConnection), when(S3Connection), when(LocalConnection)],
  }),
);
