import type { FreshnessSnapshot, ModelFreshness, TableFreshness } from "../http/freshness.ts";
import type { ServiceLog } from "../log.ts";
import type { FreshnessState } from "../spec/freshness.ts";
import type { Job } from "./index.ts";

const hours = (seconds: number | null): string =>
  seconds === null ? "—" : `${(seconds / 3600).toFixed(1)} h`;

/** What changed state since the last evaluation: one entry per table or model whose state is not what it was. */
export interface FreshnessChange {
  kind: "table" | "model";
  pipeline: string;
  name: string;
  from: FreshnessState | undefined;
  to: FreshnessState;
  entry: TableFreshness | ModelFreshness;
}

/**
 * Compares a snapshot with the states of the previous evaluation (`previous`, updated in place) and answers the
 * changes that matter: into `warn` or `error`, between them, and back to `ok` from either. A table or model seen
 * for the first time counts as coming from nothing, so a restarted service says again what is late.
 */
export function freshnessChanges(
  snapshot: FreshnessSnapshot,
  previous: Map<string, FreshnessState>,
): FreshnessChange[] {
  const changes: FreshnessChange[] = [];
  const seen = new Set<string>();
  const entries = [
    ...snapshot.tables.map((t) => ({ kind: "table" as const, name: t.table, entry: t })),
    ...snapshot.models.map((m) => ({ kind: "model" as const, name: m.model, entry: m })),
  ];
  for (const { kind, name, entry } of entries) {
    const key = JSON.stringify([entry.pipeline, kind, name]);
    seen.add(key);
    const from = previous.get(key);
    const to = entry.state;
    previous.set(key, to);
    if (from === to) continue;
    const late = to === "warn" || to === "error";
    const recovered = to === "ok" && (from === "warn" || from === "error");
    if (late || recovered) changes.push({ kind, pipeline: entry.pipeline, name, from, to, entry });
  }
  // A pipeline whose warehouse did not answer keeps its states: unreachable is not recovered.
  for (const key of previous.keys()) {
    const [pipeline] = JSON.parse(key) as [string];
    if (!seen.has(key) && snapshot.reachable.get(pipeline) !== false) previous.delete(key);
  }
  return changes;
}

/**
 * Where the freshness job keeps the states it compares with when they must outlive the process and be shared by
 * replicas: the open freshness incidents of the state database, which it also tells of every change (opening,
 * escalating or resolving them, with their notifications).
 */
export interface FreshnessIncidents {
  /** The state of every open incident, by the key `freshnessChanges` uses. */
  freshnessStates(): Promise<Map<string, FreshnessState>>;
  /** Records the changes and closes the incidents of `gone` keys; answers the changes that were news. */
  freshnessChanged(changes: FreshnessChange[], gone: string[], at: Date): Promise<FreshnessChange[]>;
}

/**
 * Freshness: evaluates every table's and model's freshness SLA (`freshness: {warn_after, error_after}` in the
 * spec) and logs each change of state, at warn level into `warn`, error level into `error`, info level when it
 * recovers. The states themselves are on the metrics and the pipeline pages, computed from the same reading.
 * With `incidents` the previous states are the open incidents (a restart or another replica says nothing
 * again, and a move back from error to warn is no news); without, this process's memory.
 */
export function freshnessJob(
  schedule: string,
  deps: { read: () => Promise<FreshnessSnapshot>; log: ServiceLog; incidents?: FreshnessIncidents },
): Job {
  const previous = new Map<string, FreshnessState>();
  const evaluate = async (): Promise<FreshnessChange[]> => {
    const snapshot = await deps.read();
    if (!deps.incidents) return freshnessChanges(snapshot, previous);
    const states = await deps.incidents.freshnessStates();
    const before = [...states.keys()];
    const changes = freshnessChanges(snapshot, states);
    const gone = before.filter((key) => !states.has(key));
    return deps.incidents.freshnessChanged(changes, gone, snapshot.at);
  };
  return {
    name: "freshness",
    schedule,
    run: async () => {
      for (const c of await evaluate()) {
        const { sla, ageSeconds } = c.entry;
        const fields = {
          pipeline: c.pipeline,
          [c.kind]: c.name,
          freshness: c.to,
          age_seconds: ageSeconds === null ? null : Math.round(ageSeconds),
          warn_after_seconds: sla.warnAfterSeconds,
          error_after_seconds: sla.errorAfterSeconds,
        };
        const what = `${c.kind} ${c.name} of pipeline ${c.pipeline}`;
        const age = `newest change ${hours(ageSeconds)} old`;
        if (c.to === "ok") {
          deps.log.info(fields, `freshness recovered: ${what}, ${age}`);
        } else if (c.to === "warn" || c.to === "error") {
          const limit = c.to === "error" ? sla.errorAfterSeconds : sla.warnAfterSeconds;
          deps.log[c.to](fields, `freshness ${c.to}: ${what}, ${age} (${c.to}_after ${hours(limit)})`);
        }
      }
    },
  };
}
