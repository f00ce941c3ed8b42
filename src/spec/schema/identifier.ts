/**
 * A name smelter creates in the warehouse or in Airflow ids; the semantic checks test derived names with it. Kept
 * apart from the TypeBox definitions so that the checks load without them.
 */
export const IDENTIFIER_PATTERN = "^[a-z_][a-z0-9_]{0,62}$";
