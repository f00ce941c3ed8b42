import type pg from "pg";

/** How an operator reached smelter: the HTTP API, the web pages, or the command line. */
export type AuditVia = "api" | "ui" | "cli";

/**
 * How an action ended: `accepted` while the execution it queued has not finished (then that execution's status),
 * `refused` when it was not done at all (the table was busy, the request did not fit the spec).
 */
export type AuditOutcome = "accepted" | "refused" | "success" | "failed" | "cancelled";

/** One operator action as recorded. */
export interface AuditEntry {
  id: number;
  at: string;
  /** The API token's name, or `cli:<user>` on the command line. */
  actor: string;
  via: AuditVia;
  action: string;
  pipeline: string;
  /** The table, silver model or execution acted on. */
  target: string | null;
  params: Record<string, unknown> | null;
  outcome: AuditOutcome;
  /** What happened, or why it was refused or failed. */
  detail: string | null;
  execution_id: string | null;
  finished_at: string | null;
}

export type NewAuditEntry = Pick<AuditEntry, "actor" | "via" | "action" | "pipeline" | "outcome"> &
  Partial<Pick<AuditEntry, "target" | "params" | "detail" | "execution_id">>;

interface Row extends Omit<AuditEntry, "id" | "at" | "finished_at"> {
  id: string;
  at: Date;
  finished_at: Date | null;
}

function toEntry(row: Row): AuditEntry {
  return {
    ...row,
    id: Number(row.id),
    at: row.at.toISOString(),
    finished_at: row.finished_at ? row.finished_at.toISOString() : null,
  };
}

/**
 * The audit trail of operator actions (`smelter.audit`): which token, when, what, and the outcome. An accepted
 * action that queued an execution takes that execution's final status when it ends (a trigger of migration 006).
 */
export class AuditStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(entry: NewAuditEntry): Promise<AuditEntry> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO smelter.audit (actor, via, action, pipeline, target, params, outcome, detail, execution_id, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $7 = 'accepted' THEN NULL ELSE now() END)
       RETURNING *`,
      [
        entry.actor,
        entry.via,
        entry.action,
        entry.pipeline,
        entry.target ?? null,
        entry.params ? JSON.stringify(entry.params) : null,
        entry.outcome,
        entry.detail ?? null,
        entry.execution_id ?? null,
      ],
    );
    return toEntry(rows[0] as Row);
  }

  /** Records how an action done in place (not queued) ended. */
  async finish(id: number, outcome: Exclude<AuditOutcome, "accepted">, detail: string): Promise<void> {
    await this.pool.query(
      "UPDATE smelter.audit SET outcome = $2, detail = $3, finished_at = now() WHERE id = $1",
      [id, outcome, detail],
    );
  }

  /** Newest first, optionally of one pipeline. */
  async list(filter: { pipeline?: string; limit: number }): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM smelter.audit WHERE ($1::text IS NULL OR pipeline = $1) ORDER BY at DESC, id DESC LIMIT $2`,
      [filter.pipeline ?? null, filter.limit],
    );
    return rows.map(toEntry);
  }
}
