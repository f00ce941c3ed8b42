import { duckString } from "../../db/duckdb.ts";
import type { ColumnMapping } from "../../sources/types.ts";

/**
 * Rows travel from the source driver to DuckDB as CSV text in a temporary file, encoded by the driver from its wire
 * format (no JS value per field); DuckDB's CSV reader streams the file while the source is read on. The encoding keeps
 * every value exact and NULL distinct from the empty string:
 *
 * - NULL is an empty, unquoted field; every text value is quoted (`""` is the empty string, `"` doubles), so
 *   commas, quotes, line breaks and any Unicode pass through;
 * - bytes are written as quoted hex and turned back into a BLOB with `unhex()`;
 * - numbers, decimals, dates and booleans are the driver's text, which holds none of `,`, `"` or a line break.
 *
 * Every CSV column is read as VARCHAR and cast to its parquet type in the SELECT that writes the part, so the
 * casts are DuckDB's exact text casts (DECIMAL, UBIGINT, timestamps).
 */

/** DuckDB's default longest CSV line; raising it also raises the reader's buffers, so only parts that need it do. */
const DEFAULT_MAX_LINE_BYTES = 2 * 1024 * 1024;

/**
 * CSV read buffer per reader thread. DuckDB's default (16 × the line limit, 32 MiB) costs ~100 MB of peak RSS
 * with two threads for no measurable speed; 4 MiB keeps the conversion as fast.
 */
const BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * `read_csv(...)` of a part file a source wrote (`SourceSnapshot.streamCsv`): no header, no type sniffing, every column VARCHAR,
 * quoted empty strings kept as '' (only an unquoted empty field is NULL). `longestLineBytes` raises the line
 * limit for parts holding large values.
 */
export function readCsvSql(path: string, width: number, longestLineBytes: number): string {
  const columns = Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`).join(", ");
  const maxLine = Math.max(DEFAULT_MAX_LINE_BYTES, longestLineBytes + 1024);
  const sizes = `max_line_size = ${maxLine}, buffer_size = ${Math.max(BUFFER_BYTES, maxLine * 2)}`;
  return (
    `read_csv(${duckString(path)}, columns = {${columns}}, header = false, auto_detect = false, ` +
    `delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, ${sizes})`
  );
}

/** Widest DECIMAL DuckDB keeps in 64 bits; wider ones are 128-bit. */
const NARROW_DECIMAL = 18;

/**
 * The SQL expression that turns CSV column `c<i>` into the column's parquet type.
 *
 * DuckDB parses text into a 128-bit DECIMAL (precision over 18) about 150 times slower than into a 64-bit one
 * (5.5 s against 0.03 s for 1M values of a DECIMAL(20,4)), so such a column is parsed as DECIMAL(18,s) and
 * widened, and only values that do not fit (TRY_CAST gives NULL) take the wide parse: the same values either way,
 * rounding to the scale included. A scale-0 one is parsed as a HUGEINT first (100k 25-digit values: 0.1 s against
 * 8.8 s as DECIMAL(38,0)); sources print such values without a fraction, and the text cast rounds a fraction the
 * same way either way.
 *
 * `exact` (changes read from a log): a value the cast would change without an error (`inexactSql`: a decimal with
 * more digits after the point than the type's scale, a DATE with a time of day) stops the conversion instead. A
 * snapshot prints values in the column's own type, but a drain lands the types of its start, and a change written
 * before the column was narrowed at the source (DECIMAL(20,4) to DECIMAL(10,2), DATETIME to DATE) holds more than
 * that type keeps. Floats are not checked: a FLOAT column's own values do not survive a round trip through text.
 */
export function castSql(mapping: ColumnMapping, i: number, exact = false): string {
  if (mapping.input === "blob") return `unhex(c${i})`;
  const type = mapping.parquetType;
  if (type === "VARCHAR") return `c${i}`;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  const cast = (): string => {
    if (decimal && Number(decimal[1]) > NARROW_DECIMAL && Number(decimal[2]) === 0) {
      // Wide integers (a change's log order, DECIMAL(p,0) columns) parse as HUGEINT as fast as narrow ones.
      return `coalesce(CAST(TRY_CAST(c${i} AS HUGEINT) AS ${type}), CAST(c${i} AS ${type}))`;
    }
    if (decimal && Number(decimal[1]) > NARROW_DECIMAL && Number(decimal[2]) <= NARROW_DECIMAL) {
      const narrow = `DECIMAL(${NARROW_DECIMAL},${decimal[2]})`;
      return `coalesce(CAST(TRY_CAST(c${i} AS ${narrow}) AS ${type}), CAST(c${i} AS ${type}))`;
    }
    return `CAST(c${i} AS ${type})`;
  };
  const inexact = exact ? inexactSql(type, i) : null;
  if (!inexact) return cast();
  return `CASE WHEN ${inexact} THEN error('column c${i}: a value holds more than ${type} keeps') ELSE ${cast()} END`;
}

/**
 * True for a value of CSV column `c<i>` that the cast into parquet type `type` would change without an error: a
 * non-zero digit past the scale of a DECIMAL, a non-zero time of day in a DATE. Null for the other types.
 */
export function inexactSql(type: string, i: number): string | null {
  const scale = /^DECIMAL\(\d+,\s*(\d+)\)$/.exec(type)?.[1];
  if (scale !== undefined) return `regexp_matches(c${i}, '\\.[0-9]{${scale}}[0-9]*[1-9]')`;
  if (type === "DATE") return `regexp_matches(c${i}, '[ T][0-9:.]*[1-9]')`;
  return null;
}
