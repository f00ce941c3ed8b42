import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { define, OneOf, ref } from "./builders.ts";
import { IDENTIFIER_PATTERN } from "./identifier.ts";

/*
 * Definitions the sections of the pipeline schema share: names, column lists, durations, secrets and settings
 * that may come from the environment. `x-expected` phrases the message when a value does not match
 * (src/spec/schema/validate.ts): "must be <x-expected>".
 */

export const Identifier = define(
  "identifier",
  Type.String({
    pattern: IDENTIFIER_PATTERN,
    "x-expected":
      "a lower-case SQL identifier (a-z, 0-9, _; starts with a letter or _; at most 63 characters)",
  }),
);

export const ColumnName = define(
  "columnName",
  Type.String({ minLength: 1, maxLength: 64, "x-expected": "a column name (1 to 64 characters)" }),
);

export const ColumnList = define(
  "columnList",
  Type.Array(ref(ColumnName), { uniqueItems: true, "x-expected": "an array of column names" }),
);

export const KeyList = define(
  "keyList",
  Type.Array(ref(ColumnName), {
    uniqueItems: true,
    minItems: 1,
    "x-expected": "a non-empty array of column names",
  }),
);

export const SqlType = define(
  "sqlType",
  Type.String({
    pattern: "^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$",
    "x-expected": "a warehouse type such as text, bigint, numeric(20,4), timestamptz, jsonb",
  }),
);

export const Duration = define(
  "duration",
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: "^[0-9]+(s|m|h|d)$" })], {
    "x-expected": 'a duration: seconds, or a string like "30s", "5m", "1h", "2d"',
  }),
);

export const Freshness = define(
  "freshness",
  Type.Object(
    {
      warn_after: Type.Optional(
        ref(Duration, {
          description: "Age of the newest applied change past which the table or model warns.",
        }),
      ),
      error_after: Type.Optional(
        ref(Duration, { description: "Age past which it is in error; not below warn_after." }),
      ),
    },
    {
      additionalProperties: false,
      description:
        "Freshness SLA: how old the newest change applied may get. Unset: no SLA; each field falls back to the pipeline's `freshness`.",
    },
  ),
);

/** `{ env: NAME }`: a value read from an environment variable. */
const envObject = Type.Object(
  { env: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }) },
  { additionalProperties: false },
);

export const SecretRef = define(
  "secretRef",
  OneOf([envObject, Type.Object({ file: Type.String({ pattern: "^/" }) }, { additionalProperties: false })], {
    "x-expected":
      "a secret reference {env: VARIABLE} or {file: /absolute/path}; secrets are never written inline",
  }),
);

export const EnvRef = define("envRef", envObject);

/** A plain value or `{ env: NAME }`. */
const setting = <T extends TSchema>(value: T, expected: string) =>
  Type.Union([value, ref(EnvRef)], { "x-expected": expected });

export const StringSetting = define(
  "stringSetting",
  setting(Type.String({ minLength: 1 }), "a string or {env: VARIABLE}"),
);

export const HostSetting = define(
  "hostSetting",
  setting(
    Type.String({ pattern: "^[^@/\\s]+$" }),
    "a host name (no user, password or path) or {env: VARIABLE}",
  ),
);

export const UrlSetting = define(
  "urlSetting",
  setting(
    Type.String({ pattern: "^https?://[^@/\\s]+(/\\S*)?$" }),
    "an http(s) URL without credentials, or {env: VARIABLE}",
  ),
);

export const PortSetting = define(
  "portSetting",
  setting(Type.Integer({ minimum: 1, maximum: 65535 }), "a TCP port or {env: VARIABLE}"),
);

/** `{ env: NAME }` or `{ file: /path }`, kept as written until a step resolves it (src/spec/resolve.ts). */
export type RawSecretRef = Static<typeof SecretRef>;
/** `{ env: NAME }`. */
export type RawEnvRef = Static<typeof EnvRef>;
export type RawDuration = Static<typeof Duration>;
export type RawFreshness = Static<typeof Freshness>;
