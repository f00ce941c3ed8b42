import type { ErrorInfo } from "../errors.ts";
import type { ModelFreshness, TableFreshness } from "../http/freshness.ts";
import type { FreshnessState } from "../spec/freshness.ts";
import type { Execution } from "../state/executions.ts";
import type { Incident, IncidentSignal } from "../state/incidents.ts";
import { airflowUrls } from "../ui/airflow.ts";
import type { NotificationEventType } from "../webhooks.ts";

/** What a notification tells (`NOTIFICATION_EVENTS`). */
export type EventType = NotificationEventType;

/**
 * One notification as smelter's generic JSON webhook receives it (the Slack format is written from it). It names
 * what and where, never how to connect: no connection settings, no URL of a database or a webhook.
 */
export interface NotificationEvent {
  type: EventType;
  /** `firing` while the incident is open, `resolved` once it recovered, `notice` for a change with nothing to resolve. */
  status: "firing" | "resolved" | "notice";
  /** One line for people: what happened to what (the error is in `error`). */
  summary: string;
  pipeline: string;
  table?: string;
  model?: string;
  source?: string;
  step?: string;
  incident: { id: string; opened_at: string; resolved_at: string | null; events: number };
  /** The execution that failed, or the one that succeeded after the failure (execution events). */
  execution?: {
    id: string;
    status: string;
    /** Airflow's try number of the task instance; null for an execution not started by Airflow. */
    attempt: number | null;
    started_at: string | null;
    finished_at: string | null;
  };
  error?: ErrorInfo;
  freshness?: {
    state: FreshnessState;
    age_seconds: number | null;
    warn_after_seconds: number | null;
    error_after_seconds: number | null;
  };
  /** Schema changes: the columns bronze added (`add_columns`) and those whose values it rescued (`rescue`). */
  columns?: { added: string[]; rescued: string[] };
  /** The execution's page and its Airflow task instance, or the pipeline's page. */
  links: { pipeline: string; execution?: string; airflow?: string };
  /** When the event happened. */
  at: string;
}

/** Where links point: the service's public URL and Airflow's UI (when configured). */
export interface LinkBases {
  publicUrl: string;
  airflowUrl?: string;
}

const seg = encodeURIComponent;

/** The incident signal of a finished execution: a failure, or all is well after a success; cancels say nothing. */
export function executionSignal(execution: Execution): IncidentSignal | undefined {
  if (execution.status === "failed") return { level: "failed", severity: 2 };
  if (execution.status === "success") return null;
  return undefined;
}

/** The subject of an execution's incident: its pipeline, step, and table (or source). */
export function executionSubject(e: Execution): string {
  return JSON.stringify([e.pipeline, e.step, e.table ?? `source:${e.source}`]);
}

const what = (e: Execution): string =>
  `${e.step} of ${e.table !== null ? `table ${e.table}` : `source ${e.source}`} in pipeline ${e.pipeline}`;

/** The event of an execution's failure or, after one, its recovery. */
export function executionEvent(e: Execution, incident: Incident, links: LinkBases): NotificationEvent {
  const failed = e.status === "failed";
  const attempt = e.airflow?.try_number ?? null;
  const tried = attempt !== null ? ` (try ${attempt})` : "";
  const summary = failed
    ? `${what(e)} failed${tried}`
    : `${what(e)} succeeded${tried} after ${incident.events - 1} failed execution(s)`;
  return {
    type: failed ? "execution.failed" : "execution.recovered",
    status: failed ? "firing" : "resolved",
    summary,
    pipeline: e.pipeline,
    ...(e.table !== null ? { table: e.table } : { source: e.source ?? "" }),
    step: e.step,
    incident: incidentOf(incident),
    execution: executionOf(e),
    ...(failed && e.error ? { error: e.error } : {}),
    links: linksOf(e, links),
    at: e.finished_at ?? new Date().toISOString(),
  };
}

/** What an event says of the execution it comes from; `attempt` is Airflow's try number. */
function executionOf(e: Execution): NotificationEvent["execution"] {
  return {
    id: e.id,
    status: e.status,
    attempt: e.airflow?.try_number ?? null,
    started_at: e.started_at,
    finished_at: e.finished_at,
  };
}

/** The pages of an execution's pipeline and of the execution, and its Airflow task when Airflow ran it. */
function linksOf(e: Execution, links: LinkBases): NotificationEvent["links"] {
  return {
    pipeline: `${links.publicUrl}/ui/pipelines/${seg(e.pipeline)}`,
    execution: `${links.publicUrl}/ui/executions/${seg(e.id)}`,
    ...(e.airflow && links.airflowUrl ? { airflow: airflowUrls(links.airflowUrl).task(e.airflow).task } : {}),
  };
}

/** Columns a bronze table gained, or whose values it rescued, in one execution. */
export interface SchemaChange {
  table: string;
  added: string[];
  rescued: string[];
}

const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").sort() : [];

function changeOf(table: string | null, m: Record<string, unknown> | undefined): SchemaChange[] {
  if (!m || table === null) return [];
  const added = names(m.columns_added ?? m.columnsAdded);
  const rescued = names(m.columns_rescued ?? m.columnsRescued);
  return added.length > 0 || rescued.length > 0 ? [{ table, added, rescued }] : [];
}

/**
 * The schema changes a successful execution's metrics report: its bronze step's, each table's of a task covering
 * a source, and those of the bronze step a `downstream` extract ran.
 */
export function schemaChanges(e: Execution): SchemaChange[] {
  if (e.status !== "success" || !e.metrics) return [];
  const m = e.metrics;
  const tables = (m.tables ?? {}) as Record<string, Record<string, unknown>>;
  const steps = (m.steps ?? {}) as Record<string, Record<string, unknown>>;
  return [
    ...(e.step === "bronze" ? changeOf(e.table, m) : []),
    ...(e.step === "bronze" ? Object.entries(tables).flatMap(([t, tm]) => changeOf(t, tm)) : []),
    ...changeOf(e.table, steps.bronze),
  ];
}

/** The subject of a schema change: the same columns added and rescued are told once. */
export const schemaSubject = (pipeline: string, c: SchemaChange): string =>
  JSON.stringify([pipeline, c.table, c.added, c.rescued]);

/** The event of a bronze table's columns changing under the execution `e`. */
export function schemaEvent(
  e: Execution,
  change: SchemaChange,
  incident: Incident,
  links: LinkBases,
): NotificationEvent {
  const parts = [
    ...(change.added.length > 0 ? [`added column(s) ${change.added.join(", ")}`] : []),
    ...(change.rescued.length > 0
      ? [`kept the values of new column(s) ${change.rescued.join(", ")} in _rescued_data`]
      : []),
  ];
  return {
    type: "schema.changed",
    status: "notice",
    summary: `bronze table ${change.table} of pipeline ${e.pipeline} ${parts.join(" and ")}`,
    pipeline: e.pipeline,
    table: change.table,
    step: "bronze",
    incident: incidentOf(incident),
    execution: executionOf(e),
    columns: { added: change.added, rescued: change.rescued },
    links: linksOf(e, links),
    at: e.finished_at ?? new Date().toISOString(),
  };
}

/** A table's or model's freshness state as it changed. */
export interface FreshnessEventInput {
  kind: "table" | "model";
  pipeline: string;
  name: string;
  to: FreshnessState;
  entry: TableFreshness | ModelFreshness;
}

/** The incident signal of a freshness state: warn and error are levels, ok is all is well, others say nothing. */
export function freshnessSignal(state: FreshnessState): IncidentSignal | undefined {
  if (state === "warn") return { level: "warn", severity: 1 };
  if (state === "error") return { level: "error", severity: 2 };
  if (state === "ok") return null;
  return undefined;
}

/** The subject of a freshness incident, the key the freshness job keeps its states under. */
export const freshnessSubject = (pipeline: string, kind: "table" | "model", name: string): string =>
  JSON.stringify([pipeline, kind, name]);

const hours = (seconds: number | null): string =>
  seconds === null ? "—" : `${(seconds / 3600).toFixed(1)} h`;

/** The event of a table or model falling behind its SLA, further behind, or back within it. */
export function freshnessEvent(
  change: FreshnessEventInput,
  incident: Incident,
  links: LinkBases,
  at: Date,
): NotificationEvent {
  const { sla, ageSeconds } = change.entry;
  const subject = `${change.kind} ${change.name} of pipeline ${change.pipeline}`;
  const age = `newest change ${hours(ageSeconds)} old`;
  const late = change.to === "warn" || change.to === "error";
  const limit = change.to === "error" ? sla.errorAfterSeconds : sla.warnAfterSeconds;
  return {
    type: late ? (`freshness.${change.to}` as EventType) : "freshness.recovered",
    status: late ? "firing" : "resolved",
    summary: late
      ? `freshness ${change.to}: ${subject}, ${age} (${change.to}_after ${hours(limit)})`
      : `freshness recovered: ${subject}, ${age}`,
    pipeline: change.pipeline,
    [change.kind]: change.name,
    incident: incidentOf(incident),
    freshness: {
      state: change.to,
      age_seconds: ageSeconds === null ? null : Math.round(ageSeconds),
      warn_after_seconds: sla.warnAfterSeconds,
      error_after_seconds: sla.errorAfterSeconds,
    },
    links: { pipeline: `${links.publicUrl}/ui/pipelines/${seg(change.pipeline)}` },
    at: at.toISOString(),
  };
}

const incidentOf = (i: Incident): NotificationEvent["incident"] => ({
  id: i.id,
  opened_at: i.openedAt,
  resolved_at: i.resolvedAt,
  events: i.events,
});
