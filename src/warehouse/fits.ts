import { DataError } from "../errors.ts";
import type { SilverTarget } from "./types.ts";

/**
 * What every warehouse says when a silver table's column is narrower than the values its model now gives it (a
 * bronze column widened after a type change at the source): the silver table keeps the types it was built with,
 * and writing such a value would round it or fail. Each warehouse finds the misfit its own way (cast to the
 * silver column's type and back) and names its own way out; the message is worded here, once.
 */

/** A column whose values would not all survive the target column's type unchanged. */
export interface Misfit {
  name: string;
  /** Its type in the rows to write (staged, or as the model gives it now), and in the target table. */
  from: string;
  to: string;
  /** What is wrong: a value that would change, or the cast's error and the values' range. */
  what: string;
  /** The key of a row holding such a value (`id=2`), when known. */
  key: string | null;
  /** The types are of different kinds (numeric, string, date and time, ...): the way out changes the type, not widens it. */
  kindChanged?: boolean;
}

/**
 * What a misfit says of a change of kind (`was` to `now`, e.g. numeric to string): no value is cast across it,
 * whatever it is; `value` is one of the values (null when all are NULL).
 */
export function kindChange(was: string, now: string, value: string | null): string {
  const seen = value === null ? "all of them NULL here" : `value ${value} among them`;
  return `that is a change of kind (${was} to ${now}), across which no value is cast, whatever it is (${seen})`;
}

/** The alias under which a fit check selects key column `k` as text (see `keyText`). */
export function keyAlias(k: string): string {
  return `_smelter_key_${k}`;
}

/** `k=v, k2=v2`: the key of a row a fit check selected, as a message shows it. */
export function keyText(key: readonly string[], row: Record<string, unknown>): string {
  return key.map((k) => `${k}=${row[keyAlias(k)] ?? "NULL"}`).join(", ");
}

/**
 * The DataError (not retryable) of a silver misfit. `remedy` is the warehouse's way out, a sentence such as
 * `widen it (ALTER TABLE ...) and run silver again`; statements in it are separated by `; `.
 */
export function silverMisfitError(target: SilverTarget, misfit: Misfit, remedy: string): DataError {
  const { silverSchema, model } = target;
  const at = misfit.key ? ` (row ${misfit.key})` : "";
  return new DataError(
    `silver table ${silverSchema}.${model.name}: column ${misfit.name} is ${misfit.to} in silver, but the model gives it as ${misfit.from} (its bronze column's type was changed) and ${misfit.what}${at}. Silver keeps a column's type: ${remedy}; nothing was applied and retrying as it is will not help`,
  );
}
