import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { SpecPath } from "./problems.ts";

/** Where a node starts, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Finds the position of `path` in the parsed document. When the path goes through something that is not
 * written in the file (a defaulted value), the deepest node that exists is used, so every problem has a place.
 * With `key: true` the position of the last property's key is returned (for unknown properties).
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: SpecPath,
  options: { key?: boolean } = {},
): Position {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (!pair) break;
      const isLast = index === path.length - 1;
      if (isLast && options.key) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      next = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    }
    const start = rangeStart(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
