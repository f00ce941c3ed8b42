/**
 * MySQL GTID sets (`3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-18,...`, MySQL 8.4's tagged form
 * `uuid:tag:1-5` too): the transactions a server has executed, by source UUID (and tag) as sorted, disjoint,
 * inclusive intervals. Used to find a stored point in another server's log after a failover (locate.ts).
 */
export class GtidSet {
  private constructor(private readonly sets: Map<string, [bigint, bigint][]>) {}

  static empty(): GtidSet {
    return new GtidSet(new Map());
  }

  /** Parses a set as MySQL prints it (whitespace and line breaks between members are ignored). */
  static parse(text: string): GtidSet {
    const out = GtidSet.empty();
    for (const member of text.replace(/\s+/g, "").split(",")) {
      if (member === "") continue;
      const [uuid, ...parts] = member.split(":");
      let key = (uuid as string).toLowerCase();
      for (const part of parts) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (!m) {
          key = `${(uuid as string).toLowerCase()}:${part.toLowerCase()}`;
          continue;
        }
        out.addRange(key, BigInt(m[1] as string), BigInt(m[2] ?? (m[1] as string)));
      }
    }
    return out;
  }

  /** One transaction's GTID (`uuid:n` or `uuid:tag:n`). */
  add(gtid: string): void {
    const at = gtid.lastIndexOf(":");
    const n = BigInt(gtid.slice(at + 1));
    this.addRange(gtid.slice(0, at).toLowerCase(), n, n);
  }

  has(gtid: string): boolean {
    const at = gtid.lastIndexOf(":");
    const n = BigInt(gtid.slice(at + 1));
    return (this.sets.get(gtid.slice(0, at).toLowerCase()) ?? []).some(([a, b]) => a <= n && n <= b);
  }

  /** Every transaction of this set is in `other`. */
  within(other: GtidSet): boolean {
    for (const [key, intervals] of this.sets) {
      const theirs = other.sets.get(key) ?? [];
      for (const [a, b] of intervals) if (!theirs.some(([c, d]) => c <= a && b <= d)) return false;
    }
    return true;
  }

  equals(other: GtidSet): boolean {
    return this.within(other) && other.within(this);
  }

  /** This set without the transactions of `other`. */
  minus(other: GtidSet): GtidSet {
    const out = GtidSet.empty();
    for (const [key, intervals] of this.sets) {
      for (const [a, b] of intervals) {
        let pieces: [bigint, bigint][] = [[a, b]];
        for (const [c, d] of other.sets.get(key) ?? []) {
          pieces = pieces.flatMap(([x, y]): [bigint, bigint][] => {
            if (d < x || y < c) return [[x, y]];
            return [
              ...(x < c ? [[x, c - 1n] as [bigint, bigint]] : []),
              ...(d < y ? [[d + 1n, y] as [bigint, bigint]] : []),
            ];
          });
        }
        for (const [x, y] of pieces) out.addRange(key, x, y);
      }
    }
    return out;
  }

  toString(): string {
    return [...this.sets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([key, intervals]) =>
          `${key}:${intervals.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(":")}`,
      )
      .join(",");
  }

  private addRange(key: string, from: bigint, to: bigint): void {
    const merged: [bigint, bigint][] = [];
    let [a, b] = [from, to];
    for (const [c, d] of this.sets.get(key) ?? []) {
      if (d + 1n < a || b + 1n < c) merged.push([c, d]);
      else [a, b] = [a < c ? a : c, b > d ? b : d];
    }
    merged.push([a, b]);
    merged.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    this.sets.set(key, merged);
  }
}

/** Whether a recorded GTID position is a MySQL GTID set (`uuid:1-5`), not MariaDB's `domain-server-sequence`. */
export const isGtidSet = (gtid: string): boolean => gtid.includes(":");
