/** Python source fragments: literals that round-trip any string, and simple collections of them. */

/** A double-quoted Python str literal. Control characters, quotes and backslashes are escaped. */
export function pyStr(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\\\";
    else if (char === '"') out += '\\"';
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += char;
  }
  return `${out}"`;
}

/** `None` or a str literal. */
export function pyOptStr(value: string | undefined | null): string {
  return value === undefined || value === null ? "None" : pyStr(value);
}

/** A tuple of str literals; a one-element tuple keeps its trailing comma. */
export function pyStrTuple(values: readonly string[]): string {
  if (values.length === 1) return `(${pyStr(values[0]!)},)`;
  return `(${values.map(pyStr).join(", ")})`;
}

/** A list of str literals. */
export function pyStrList(values: readonly string[]): string {
  return `[${values.map(pyStr).join(", ")}]`;
}

/** A float literal of a finite number (`10.0`, `2.5`). */
export function pyFloat(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** A line comment that stays one line whatever `text` holds. */
export function pyComment(text: string): string {
  return `# ${text.replace(/[\r\n\u2028\u2029]+/g, " ")}`;
}
