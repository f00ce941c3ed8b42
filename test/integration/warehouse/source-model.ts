import type { Fixture, Row } from "./fixture.ts";

/**
 * An in-memory "source table" driven by a seeded random generator: rounds of inserts, updates and deletes,
 * landed as incremental batches the way extract would land them, including re-delivered identical rows and
 * stale duplicates of a key in the same batch. `expectedSilver` is what the default silver model must hold.
 */

/** Deterministic PRNG (mulberry32) so a failing seed can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TITLES = [
  "plain",
  "comma, inside",
  'quote " inside',
  "line\nbreak",
  "",
  null,
  "emoji 🚀",
  "back\\slash",
  "\\N",
];
const KINDS = ["photo", "video", null, "text"];

export class SourceModel {
  readonly rows = new Map<number, Row>();
  private nextId = 1;
  private clock = 0;
  protected readonly rand: () => number;

  constructor(seed: number) {
    this.rand = random(seed);
  }

  protected pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)] as T;
  }

  protected stamp(): string {
    this.clock += 1 + Math.floor(this.rand() * 3);
    const d = new Date(Date.UTC(2024, 0, 1) + this.clock * 1000);
    return `${d.toISOString().slice(0, 19).replace("T", " ")}.${String(this.clock % 1000000).padStart(6, "0")}`;
  }

  protected content(): Row {
    const digits = Math.floor(this.rand() * 1e12);
    const kind = this.pick(KINDS);
    const tags = this.rand() < 0.5 ? [this.pick(["a", "b", "c"]), "z"] : [];
    return {
      account_type_id: 1 + Math.floor(this.rand() * 4),
      title: this.pick(TITLES),
      amount:
        this.rand() < 0.1 ? null : `${digits}.${String(Math.floor(this.rand() * 10000)).padStart(4, "0")}`,
      payload: JSON.stringify({ kind, tags, nested: { n: digits } }),
    };
  }

  /** One round of changes; returns the rows to land (in a shuffled order, with stale duplicates). */
  round(options: {
    inserts: number;
    updates: number;
    deletes: number;
    redeliver: number;
    softDelete: boolean;
  }): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < options.inserts; i++) {
      const row = { id: this.nextId++, ...this.content(), updated_at: this.stamp(), deleted: false };
      this.rows.set(row.id as number, row);
      out.push(row);
    }
    const ids = () => [...this.rows.keys()];
    for (let i = 0; i < options.updates && this.rows.size; i++) {
      const id = this.pick(ids());
      const before = this.rows.get(id) as Row;
      const after = { ...before, ...this.content(), updated_at: this.stamp() };
      this.rows.set(id, after);
      // A stale copy of the key in the same batch: the newer cursor must win whatever the order.
      if (this.rand() < 0.5) out.push(before);
      out.push(after);
    }
    for (let i = 0; i < options.deletes && this.rows.size; i++) {
      const id = this.pick(ids());
      const before = this.rows.get(id) as Row;
      this.rows.delete(id);
      if (options.softDelete) out.push({ ...before, deleted: true, updated_at: this.stamp() });
    }
    for (let i = 0; i < options.redeliver && this.rows.size; i++)
      out.push(this.rows.get(this.pick(ids())) as Row);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [out[i], out[j]] = [out[j] as Row, out[i] as Row];
    }
    return out;
  }

  keys(): number[] {
    return [...this.rows.keys()];
  }

  /** The default silver model's rows, by id, values as text (NULL as null). */
  expectedSilver(): string[][] {
    return silverOf([...this.rows.values()]);
  }
}

/** The default silver model's rows over source rows, by id, values as text (NULL as null). */
export function silverOf(rows: Row[]): string[][] {
  return [...rows]
    .sort((a, b) => (a.id as number) - (b.id as number))
    .map((r) => {
      const payload = JSON.parse(r.payload as string);
      const title = r.title as string | null;
      return [
        r.id,
        r.account_type_id,
        title,
        r.amount,
        payload.kind,
        payload.tags[0],
        title?.toUpperCase(),
      ].map((v) => (v === null || v === undefined ? null : String(v))) as string[];
    });
}

/** The default silver model's rows as text, ordered by id. */
export async function actualSilver(fx: Fixture): Promise<string[][]> {
  const columns = ["id", "account_type", "title", "amount", "kind", "first_tag", "title_upper"];
  const rows = await fx.silverRows("posts_flat", columns);
  return rows.map((r) => columns.map((c) => r[c] ?? null) as string[]);
}
