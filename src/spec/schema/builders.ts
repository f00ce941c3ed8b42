import {
  type SchemaOptions,
  type Static,
  type TObject,
  type TProperties,
  type TSchema,
  type TUnsafe,
  Type,
} from "@sinclair/typebox";

/*
 * JSON Schema builders TypeBox lacks in the form smelter publishes them: `enum` and `const` without the `type`
 * TypeBox's Literal adds, `oneOf`, a `type` list, a map with `propertyNames`, defaults, and named definitions
 * referenced as `#/$defs/<name>`. Each returns a TypeBox schema whose static type follows the keyword, so a
 * TypeScript type derived with `Static<>` stays exact. Used by the pipeline spec and by the HTTP bodies.
 */

const NAME = Symbol("smelter.schema.definition");

/** A schema published under `$defs/<name>` of its document and referenced with `ref`. */
export type Definition<T extends TSchema = TSchema> = T & { readonly [NAME]: string };

/** Names `schema` as the definition `name` (see `definitionName`, `ref`). */
export function define<T extends TSchema>(name: string, schema: T): Definition<T> {
  return { ...schema, [NAME]: name };
}

/** The `$defs` key of a definition. */
export const definitionName = (definition: Definition): string => definition[NAME];

/** `{ "$ref": "#/$defs/<name>", ...options }`; its static type is the definition's. */
export function ref<T extends TSchema>(
  target: Definition<T>,
  options: SchemaOptions = {},
): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ $ref: `#/$defs/${target[NAME]}`, ...options });
}

/** `{ "enum": values }`: ajv then reports "must be one of" the values. */
export function Enum<const V extends readonly (string | number)[]>(
  values: V,
  options: SchemaOptions = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: values, ...options });
}

/** `{ "const": value }`. */
export function Const<const V extends string | number | boolean>(
  value: V,
  options: SchemaOptions = {},
): TUnsafe<V> {
  return Type.Unsafe<V>({ const: value, ...options });
}

/** `{ "oneOf": schemas }`: exactly one of them matches. */
export function OneOf<T extends TSchema[]>(
  schemas: [...T],
  options: SchemaOptions = {},
): TUnsafe<Static<T[number]>> {
  return Type.Unsafe<Static<T[number]>>({ oneOf: schemas, ...options });
}

interface JsonTypes {
  string: string;
  number: number;
  integer: number;
  boolean: boolean;
  null: null;
  object: Record<string, unknown>;
}

/** `{ "type": type }` or `{ "type": [types] }`, e.g. `["string", "null"]`, with no further structure. */
export function OfType<const K extends keyof JsonTypes | readonly (keyof JsonTypes)[]>(
  type: K,
  options: SchemaOptions = {},
): TUnsafe<JsonTypes[K extends readonly (keyof JsonTypes)[] ? K[number] : K & keyof JsonTypes]> {
  return Type.Unsafe({ type, ...options });
}

/** An object of any keys `names` admits, each holding a `values` (`propertyNames` + `additionalProperties`). */
export function MapOf<V extends TSchema>(
  names: TSchema,
  values: V,
  options: SchemaOptions = {},
): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({
    type: "object",
    ...options,
    propertyNames: names,
    additionalProperties: values,
  });
}

/** A property that may be left out, which ajv (`useDefaults`) then sets to `value`. */
export function Default<T extends TSchema>(schema: T, value: Static<T>) {
  return Type.Optional({ ...schema, default: value });
}

/** The properties of `P` whose schema has a `default` (the `Default` builder). */
type DefaultedKeys<P extends TProperties> = {
  [K in keyof P]: P[K] extends { default: unknown } ? K : never;
}[keyof P];

/** A value `S` accepted once ajv has filled in every property that has a default: those are present. */
export type Checked<S extends TSchema> =
  S extends TObject<infer P> ? Static<S> & { [K in DefaultedKeys<P>]-?: Static<P[K]> } : Static<S>;
