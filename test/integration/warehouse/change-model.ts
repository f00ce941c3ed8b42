import type { BatchManifest } from "../../../src/landing/types.ts";
import { type Fixture, POSTS, type Row, type TestColumn } from "./fixture.ts";
import { SourceModel, silverOf } from "./source-model.ts";

/**
 * A source table read through its log (`mode: cdc`), driven by a seeded random generator: a snapshot, then rounds
 * of inserts, updates (most on a few hot keys, so that keys change several times in one drain), hard deletes
 * followed by inserts of the same keys, and soft deletes, landed as extract lands them (the table's columns, then
 * operation, log position and commit time). It also keeps what bronze must hold and, per round, the versions each
 * key must go through in the change feed.
 */

/** The `posts` columns and the change columns, as a cdc table lands them. */
export const CDC_COLUMNS: TestColumn[] = [
  ...POSTS,
  { name: "_smelter_op", duck: "VARCHAR", logical: { type: "string" } },
  { name: "_smelter_position", duck: "DECIMAL(38,0)", logical: { type: "decimal", precision: 38, scale: 0 } },
  { name: "_smelter_committed_at", duck: "TIMESTAMPTZ", logical: { type: "timestamp", zoned: true } },
];

/** Columns a change-feed version is compared by (JSON parsed). */
export const FEED_COLUMNS = ["id", "title", "amount", "payload"];

/** A version of a key in the change feed: its change type and data. */
export type Version = [string, ...unknown[]];

const DATA = ["account_type_id", "title", "amount", "payload", "updated_at", "deleted"];

function version(type: string, row: Row): Version {
  return [type, row.title ?? null, row.amount ?? null, JSON.parse(row.payload as string)];
}

export class ChangeModel extends SourceModel {
  /** The source's rows (soft-deleted ones included). */
  readonly source = new Map<number, Row>();
  /** The rows bronze must hold. */
  readonly bronze = new Map<number, Row>();
  private position = 10n ** 30n;
  private next = 1;
  private hot: number[] = [];

  constructor(
    seed: number,
    private readonly softDeletes: boolean,
  ) {
    super(seed);
  }

  private tag(row: Row, op: string): Row {
    this.position += 1n + BigInt(Math.floor(this.rand() * 1000));
    return {
      ...row,
      _smelter_op: op,
      _smelter_position: this.position.toString(),
      _smelter_committed_at: op === "snapshot" ? null : `${this.stamp()}+00`,
    };
  }

  /** `n` rows read in a snapshot at the log's head (`at`, default: the current position). */
  snapshot(n: number, at?: bigint): Row[] {
    for (let i = 0; i < n; i++) {
      const id = this.next++;
      this.source.set(id, { id, ...this.content(), updated_at: this.stamp(), deleted: false });
    }
    this.hot = [...this.source.keys()].slice(0, 12);
    const order = (at ?? this.position).toString();
    const rows = [...this.source.values()].map((r) => ({
      ...r,
      _smelter_op: "snapshot",
      _smelter_position: order,
      _smelter_committed_at: null,
    }));
    for (const r of this.source.values()) this.bronze.set(r.id as number, r);
    return rows;
  }

  /** The log position the next change comes after. */
  head(): bigint {
    return this.position;
  }

  /** Moves the log to `position` (a log that started over gives lower positions). */
  restart(position: bigint): void {
    this.position = position;
  }

  private present(): number[] {
    return [...this.source.keys()];
  }

  /**
   * `n` changes in log order, and the versions each key goes through in bronze's change feed (a soft delete or a
   * delete of a row bronze holds is a `delete` of its last image; an insert or update of a row bronze lacks is an
   * `insert`).
   */
  changes(n: number): { rows: Row[]; versions: Map<number, Version[]> } {
    const rows: Row[] = [];
    const versions = new Map<number, Version[]>();
    const seen = (id: number, v: Version) => versions.set(id, [...(versions.get(id) ?? []), v]);
    for (let i = 0; i < n; i++) {
      const dice = this.rand();
      const gone = this.hot.filter((id) => !this.source.has(id));
      const hotPresent = this.hot.filter((id) => this.source.has(id));
      let id: number;
      let op: string;
      let row: Row;
      if (dice < 0.25 || this.source.size === 0) {
        // An insert: a new key, or a hot key deleted before coming back.
        id = gone.length > 0 && this.rand() < 0.6 ? this.pick(gone) : this.next++;
        op = "insert";
        row = { id, ...this.content(), updated_at: this.stamp(), deleted: false };
      } else if (dice < 0.8) {
        id = hotPresent.length > 0 && this.rand() < 0.7 ? this.pick(hotPresent) : this.pick(this.present());
        op = "update";
        const soft = this.softDeletes && this.rand() < 0.15;
        row = { ...(this.source.get(id) as Row), ...this.content(), updated_at: this.stamp(), deleted: soft };
      } else {
        id = hotPresent.length > 0 && this.rand() < 0.5 ? this.pick(hotPresent) : this.pick(this.present());
        op = "delete";
        row = this.source.get(id) as Row;
      }
      if (op === "delete") this.source.delete(id);
      else this.source.set(id, row);
      rows.push(this.tag(row, op));
      const held = this.bronze.get(id);
      if (op === "delete" || row.deleted === true) {
        if (held) seen(id, version("delete", held));
        this.bronze.delete(id);
      } else if (!held) {
        seen(id, version("insert", row));
        this.bronze.set(id, row);
      } else if (DATA.some((c) => JSON.stringify(held[c]) !== JSON.stringify(row[c]))) {
        seen(id, version("update_postimage", row));
        this.bronze.set(id, row);
      }
    }
    return { rows, versions };
  }

  /** The manifest's `changes` of a drain of `rows` after position `from`. */
  static drain(rows: Row[], from: bigint): NonNullable<BatchManifest["changes"]> {
    const to = rows.at(-1)?._smelter_position ?? from.toString();
    return { from: [from.toString()], to: [String(to)], count: rows.length };
  }

  /** The default silver model's rows over what bronze must hold. */
  override expectedSilver(): string[][] {
    return silverOf([...this.bronze.values()]);
  }

  /** What bronze must hold, as `bronzeRows` reads it (payload parsed). */
  expectedBronze(): unknown[][] {
    return [...this.bronze.values()]
      .sort((a, b) => (a.id as number) - (b.id as number))
      .map((r) => [String(r.id), r.title ?? null, r.amount ?? null, JSON.parse(r.payload as string)]);
  }
}

/** Bronze rows of `fx` in the shape of `ChangeModel.expectedBronze`. */
export async function actualBronze(fx: Fixture): Promise<unknown[][]> {
  const rows = await fx.bronzeRows(FEED_COLUMNS);
  return rows.map((r) => [r.id, r.title, r.amount, JSON.parse(r.payload as string)]);
}

/** The versions of each key in the change feed of `fx` after smelter version `after`, in order. */
export async function feedVersions(fx: Fixture, after: number): Promise<Map<number, Version[]>> {
  const out = new Map<number, Version[]>();
  for (const c of await fx.changes(FEED_COLUMNS)) {
    if (Number(c._commit_version) <= after || c._change_type === "update_preimage") continue;
    const id = Number(c.id);
    const v: Version = [
      c._change_type as string,
      c.title ?? null,
      c.amount ?? null,
      JSON.parse(c.payload as string),
    ];
    out.set(id, [...(out.get(id) ?? []), v]);
  }
  return out;
}

/** The newest smelter version in the change feed of `fx` (0 when empty). */
export async function newestVersion(fx: Fixture): Promise<number> {
  const versions = (await fx.changes(["id"])).map((c) => Number(c._commit_version));
  return Math.max(0, ...versions);
}
