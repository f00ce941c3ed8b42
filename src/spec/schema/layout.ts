/*
 * How smelter writes a JSON Schema out: one key order for every node, and the line layout biome gives JSON
 * (biome.json), so that a generated file passes `biome check` unchanged and reads the same everywhere.
 */

/** Keys that say what a node is come first, in the order written. */
const FIRST = ["$ref", "type", "const", "enum"];
/** Keys for people come last: the phrase of error messages, then the description. */
const LAST = ["x-expected", "description"];
/** Keys whose value maps names to schemas: the names keep their order. */
const MAPS = new Set(["properties", "$defs", "patternProperties", "dependentSchemas"]);
/** Keys whose value is data, not a schema. */
const DATA = new Set(["enum", "const", "default", "examples", "required"]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A plain copy of `schema` with each node's keys in the canonical order (`FIRST`, the rest as written, `LAST`).
 * TypeBox's symbol-keyed metadata is left behind.
 */
export function canonical(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(canonical);
  if (!isRecord(schema)) return schema;
  const keys = Object.keys(schema);
  const order = [
    ...keys.filter((k) => FIRST.includes(k)),
    ...keys.filter((k) => !FIRST.includes(k) && !LAST.includes(k)),
    ...LAST.filter((k) => keys.includes(k)),
  ];
  return Object.fromEntries(
    order.map((key) => {
      const value = schema[key];
      if (DATA.has(key)) return [key, value];
      if (MAPS.has(key) && isRecord(value)) {
        return [key, Object.fromEntries(Object.entries(value).map(([name, s]) => [name, canonical(s)]))];
      }
      return [key, canonical(value)];
    }),
  );
}

/** biome.json's `formatter.lineWidth`. */
const LINE_WIDTH = 110;
const INDENT = "  ";

/**
 * `value` as biome formats JSON: objects one key per line, arrays of plain values on one line when it fits,
 * otherwise one item per line; a final newline.
 */
export function printJson(value: unknown): string {
  return `${print(value, "", 0, 0)}\n`;
}

/** `lead`: characters before the value on its line; `tail`: characters after it (a comma). */
function print(value: unknown, indent: string, lead: number, tail: number): string {
  const inner = indent + INDENT;
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([key, item], i) => {
      const head = `${JSON.stringify(key)}: `;
      const comma = i < entries.length - 1 ? 1 : 0;
      return `${inner}${head}${print(item, inner, inner.length + head.length, comma)}${comma ? "," : ""}`;
    });
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((item) => item === null || typeof item !== "object")) {
      const flat = `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
      if (lead + flat.length + tail <= LINE_WIDTH) return flat;
    }
    const lines = value.map((item, i) => {
      const comma = i < value.length - 1 ? 1 : 0;
      return `${inner}${print(item, inner, inner.length, comma)}${comma ? "," : ""}`;
    });
    return `[\n${lines.join("\n")}\n${indent}]`;
  }
  return JSON.stringify(value);
}
