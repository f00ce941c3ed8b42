/**
 * Statements of the binary log that change a table without row events. The binlog writes DDL as the statement
 * text (a QUERY event with the session's default schema), whatever `binlog_format` is.
 */

/** An identifier as a statement may write it: back-quoted (doubled back quotes inside) or bare. */
const IDENT = "(`(?:[^`]|``)+`|[^\\s.`;/(]+)";
const TRUNCATE = new RegExp(
  `^\\s*(?:/\\*(?!!)[\\s\\S]*?\\*/\\s*)*TRUNCATE\\s+(?:TABLE\\s+)?${IDENT}(?:\\s*\\.\\s*${IDENT})?`,
  "i",
);

function unquote(ident: string): string {
  return ident.startsWith("`") ? ident.slice(1, -1).replace(/``/g, "`") : ident;
}

/**
 * The table a `TRUNCATE [TABLE] [schema.]name` statement empties, as `schema.name` in lower case (the statement's
 * default schema when it names none); null for any other statement. Lower case because a server with
 * `lower_case_table_names` set takes any case: a false match stops a drain with a clear error, a miss would lose
 * the truncate.
 */
export function truncatedTable(query: string, defaultSchema: string): string | null {
  const m = TRUNCATE.exec(query);
  if (!m) return null;
  const [first, second] = [unquote(m[1] as string), m[2] === undefined ? null : unquote(m[2])];
  const qualified = second === null ? `${defaultSchema}.${first}` : `${first}.${second}`;
  return qualified.toLowerCase();
}
