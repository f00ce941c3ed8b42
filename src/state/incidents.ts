import type pg from "pg";
import { inTransaction } from "./db.ts";

/**
 * What an incident is about: an execution step of a table or source, a table's or model's freshness, or a change
 * of a bronze table's columns (told once, never resolved: the columns stay).
 */
export type IncidentKind = "execution" | "freshness" | "schema";

/** What an event says of its subject: a level and how bad it is (higher is worse), or `null`: all is well. */
export type IncidentSignal = { level: string; severity: number } | null;

/**
 * What an event does to its subject's incident: `open` a new one, `escalate` it to a worse level, `hold` it
 * (a further failure, or a level no worse than one already told), `resolve` it, or nothing (`none`: no incident
 * and nothing wrong). Only `open`, `escalate` and `resolve` are told to anyone.
 */
export type IncidentTransition = "open" | "escalate" | "hold" | "resolve" | "none";

/** The rule that makes one alert per incident (and per level reached) and one resolve message. */
export function incidentTransition(
  open: { severity: number } | undefined,
  signal: IncidentSignal,
): IncidentTransition {
  if (signal === null) return open ? "resolve" : "none";
  if (!open) return "open";
  return signal.severity > open.severity ? "escalate" : "hold";
}

/** Transitions that send a message. */
export const TOLD: ReadonlySet<IncidentTransition> = new Set(["open", "escalate", "resolve"]);

export interface Incident {
  id: string;
  kind: IncidentKind;
  /** The subject as a JSON array string, e.g. `["shop","bronze","orders"]`. */
  subject: string;
  pipeline: string;
  /** The worst level told so far. */
  level: string;
  severity: number;
  /** Events the incident has seen: the one that opened it, those it held or escalated on, its resolution. */
  events: number;
  openedAt: string;
  resolvedAt: string | null;
}

/** A message to write to the outbox for one webhook. */
export interface OutboxMessage {
  target: string;
  event: string;
  body: unknown;
}

/** A message taken from the outbox for an attempt (`attempts` counts this one). */
export interface PendingMessage {
  id: string;
  target: string;
  event: string;
  body: unknown;
  attempts: number;
}

/** An incident as its table row holds it: the times as dates, under their column names. */
type IncidentRow = Omit<Incident, "openedAt" | "resolvedAt"> & { opened_at: Date; resolved_at: Date | null };

const toIncident = (r: IncidentRow): Incident => ({
  id: String(r.id),
  kind: r.kind,
  subject: r.subject,
  pipeline: r.pipeline,
  level: r.level,
  severity: r.severity,
  events: r.events,
  openedAt: r.opened_at.toISOString(),
  resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
});

const UNIQUE_VIOLATION = "23505";

/**
 * Incidents and the notification outbox in the state database, shared by every replica: an incident is opened,
 * escalated or resolved in the same transaction that writes its messages, so a crash loses neither and a second
 * replica or a restart never tells an incident twice.
 */
export class IncidentStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Applies `signal` to the open incident of (`kind`, `subject`), and when the transition is told, writes the
   * messages `messages` builds for it, atomically; `told` holds the webhooks earlier messages of the incident
   * went to (a resolve goes to them only). Answers the transition and the incident as it is after it.
   */
  async signal(
    kind: IncidentKind,
    subject: string,
    pipeline: string,
    signal: IncidentSignal,
    event: unknown,
    messages: (
      incident: Incident,
      transition: IncidentTransition,
      told: ReadonlySet<string>,
    ) => OutboxMessage[],
  ): Promise<{ transition: IncidentTransition; incident: Incident | undefined }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (client) => {
          const { rows } = await client.query<IncidentRow>(
            `SELECT * FROM smelter.incidents WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL FOR UPDATE`,
            [kind, subject],
          );
          const open = rows[0];
          const transition = incidentTransition(open, signal);
          let row: IncidentRow | undefined = open;
          const last = JSON.stringify(event);
          if (transition === "open" && signal) {
            ({
              rows: [row],
            } = await client.query<IncidentRow>(
              `INSERT INTO smelter.incidents (kind, subject, pipeline, level, severity, last_event)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
              [kind, subject, pipeline, signal.level, signal.severity, last],
            ));
          } else if (open && (transition === "escalate" || transition === "hold")) {
            ({
              rows: [row],
            } = await client.query<IncidentRow>(
              `UPDATE smelter.incidents SET events = events + 1, last_event = $2, updated_at = now(),
                 level = CASE WHEN $4 > severity THEN $3 ELSE level END, severity = greatest(severity, $4)
               WHERE id = $1 RETURNING *`,
              [open.id, last, signal?.level, signal?.severity],
            ));
          } else if (open && transition === "resolve") {
            ({
              rows: [row],
            } = await client.query<IncidentRow>(
              `UPDATE smelter.incidents
               SET resolved_at = now(), updated_at = now(), last_event = $2, events = events + 1
               WHERE id = $1 RETURNING *`,
              [open.id, last],
            ));
          }
          const incident = row ? toIncident(row) : undefined;
          if (incident && TOLD.has(transition)) {
            const told = new Set<string>();
            if (transition !== "open") {
              const { rows: targets } = await client.query<{ target: string }>(
                "SELECT DISTINCT target FROM smelter.notifications WHERE incident_id = $1",
                [incident.id],
              );
              for (const t of targets) told.add(t.target);
            }
            for (const m of messages(incident, transition, told)) {
              await client.query(
                `INSERT INTO smelter.notifications (incident_id, target, event, body) VALUES ($1, $2, $3, $4)`,
                [incident.id, m.target, m.event, JSON.stringify(m.body)],
              );
            }
          }
          return { transition, incident };
        });
      } catch (error) {
        // Another replica opened the same incident between our read and our insert: read it again (a hold).
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || attempt > 1) throw error;
      }
    }
  }

  /** Closes the open incident of a subject without telling anyone (its subject is gone from the spec). */
  async close(kind: IncidentKind, subject: string): Promise<void> {
    await this.pool.query(
      `UPDATE smelter.incidents SET resolved_at = now(), updated_at = now()
       WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL`,
      [kind, subject],
    );
  }

  /** The level of every open incident of `kind`, by subject. */
  async openLevels(kind: IncidentKind): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ subject: string; level: string }>(
      "SELECT subject, level FROM smelter.incidents WHERE kind = $1 AND resolved_at IS NULL",
      [kind],
    );
    return new Map(rows.map((r) => [r.subject, r.level]));
  }

  /**
   * Takes up to `limit` due messages for an attempt, each leased for `leaseSeconds` (another replica may take it
   * over after that, had this one died mid-attempt). A message waits while an earlier one of the same incident
   * and webhook is pending, so a resolve never overtakes its alert.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<PendingMessage[]> {
    const { rows } = await this.pool.query<PendingMessage & { id: string }>(
      `UPDATE smelter.notifications SET attempts = attempts + 1, next_at = now() + make_interval(secs => $2)
       WHERE id IN (
         SELECT n.id FROM smelter.notifications n
         WHERE n.status = 'pending' AND n.next_at <= now()
           AND NOT EXISTS (SELECT 1 FROM smelter.notifications e
                           WHERE e.status = 'pending' AND e.target = n.target
                             AND e.incident_id = n.incident_id AND e.id < n.id)
         ORDER BY n.id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, target, event, body, attempts`,
      [limit, leaseSeconds],
    );
    return rows.map((r) => ({ ...r, id: String(r.id) })).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Records an attempt's outcome: delivered, due again in `retryInSeconds`, or given up (`undelivered`). */
  async attempted(
    id: string,
    outcome:
      | { status: "delivered" }
      | { status: "retry"; error: string; retryInSeconds: number }
      | {
          status: "undelivered";
          error: string;
        },
  ): Promise<void> {
    if (outcome.status === "retry") {
      await this.pool.query(
        `UPDATE smelter.notifications SET last_error = $2, next_at = now() + make_interval(secs => $3)
         WHERE id = $1`,
        [id, outcome.error, outcome.retryInSeconds],
      );
      return;
    }
    await this.pool.query(
      `UPDATE smelter.notifications SET status = $2, last_error = $3, finished_at = now() WHERE id = $1`,
      [id, outcome.status, outcome.status === "undelivered" ? outcome.error : null],
    );
  }

  /**
   * Deletes messages delivered or given up, and incidents resolved, more than `days` ago; open incidents, the
   * messages of those that will resolve (they say whom the resolve goes to) and pending messages stay whatever
   * their age. Answers how many of each.
   */
  async deleteFinishedBefore(days: number): Promise<{ notifications: number; incidents: number }> {
    const notifications = await this.pool.query(
      `DELETE FROM smelter.notifications n
       WHERE n.status <> 'pending' AND n.finished_at < now() - make_interval(days => $1)
         AND NOT EXISTS (SELECT 1 FROM smelter.incidents i
                         WHERE i.id = n.incident_id AND i.resolved_at IS NULL AND i.kind <> 'schema')`,
      [days],
    );
    const incidents = await this.pool.query(
      "DELETE FROM smelter.incidents WHERE resolved_at < now() - make_interval(days => $1)",
      [days],
    );
    return { notifications: notifications.rowCount ?? 0, incidents: incidents.rowCount ?? 0 };
  }
}
