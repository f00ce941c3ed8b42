import type { WatermarkState } from "../contracts/stores.ts";
import { silverTarget, tableOf } from "../spec/lookup.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { Execution } from "../state/executions.ts";
import type { Action } from "./actions.ts";

/** What the sentence can say about the current state, when the caller knows it. */
export interface DescribeContext {
  watermark?: WatermarkState | null;
  execution?: Execution;
}

const list = (names: string[]): string =>
  names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

const values = (v: unknown[] | null | undefined): string =>
  v === null || v === undefined
    ? "none"
    : v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ");

/**
 * Exactly what an action will do, in the words the web page's confirmation shows, the command line prints and the
 * audit trail keeps.
 */
export function describeAction(spec: PipelineSpec, action: Action, context: DescribeContext = {}): string {
  const models = (table: string) => spec.silver.filter((m) => m.from === table).map((m) => m.name);
  const silverTail = (table: string) => {
    const names = models(table);
    return names.length === 0
      ? " No silver model reads the table."
      : ` Then silver model${names.length > 1 ? "s" : ""} ${list(names)} merge${names.length > 1 ? "" : "s"} those changes.`;
  };
  const now = context.watermark === undefined ? "" : ` (now ${values(context.watermark?.watermark)})`;
  switch (action.kind) {
    case "resync": {
      const t = tableOf(spec, action.table);
      const mark =
        t.mode === "incremental"
          ? ` The watermark${now} is set to the source's highest ${t.cursor.join(", ")}, read before the first chunk, so the next incremental run picks up rows changed during the re-sync.`
          : t.mode === "cdc"
            ? ` The log's position${now} is set to its head, read before the first chunk, and the log is drained from there after the last chunk, so changes made during the re-sync are applied on top of it.`
            : "";
      return `Re-sync table ${t.name} of pipeline ${spec.name}: read every row of ${t.name} from source ${t.source} again, in key-range chunks of ${t.chunkSize} rows, then all its primary keys, and merge them into bronze table ${spec.bronzeSchema}.${t.name}, which then holds exactly the source's rows: rows the source no longer has are deleted, changed rows updated, missing rows inserted, identical rows left alone, and every change is written to its change feed.${silverTail(t.name)}${mark} It waits for any running extract, bronze or silver of ${t.name} and holds them off until it ends; stopped, it resumes after its last landed chunk at the next extract.`;
    }
    case "backfill": {
      const t = tableOf(spec, action.table);
      const columns = action.range.by === "cursor" ? t.cursor : t.primaryKey;
      const range = [
        action.range.from ? `at or after ${values(action.range.from)}` : null,
        action.range.to ? `before ${values(action.range.to)}` : null,
      ]
        .filter(Boolean)
        .join(" and ");
      return `Backfill table ${t.name} of pipeline ${spec.name}: read the rows whose ${columns.join(", ")} is ${range || "anything (the whole table)"} from source ${t.source} again, in one snapshot, and merge them into bronze table ${spec.bronzeSchema}.${t.name}: rows that differ from bronze are inserted or updated and written to its change feed, rows bronze already holds unchanged change nothing (running it twice adds nothing).${silverTail(t.name)} The watermark${now} does not move. Rows deleted at the source are not seen (a re-sync removes them). It waits for any running extract, bronze or silver of ${t.name}.`;
    }
    case "rebuild_silver": {
      const target = silverTarget(spec, action.model);
      const history =
        target.model.scd === 2 ? " Its SCD2 history is lost: every row starts a new history now." : "";
      return `Rebuild silver model ${action.model} of pipeline ${spec.name}: in one transaction, empty silver table ${spec.silverSchema}.${action.model}, fill it from the current rows of bronze table ${spec.bronzeSchema}.${target.table.name}, and move its checkpoint to bronze's current version; readers see the old rows until it commits.${history} It waits for a running silver run of ${action.model}.`;
    }
    case "set_watermark": {
      const t = tableOf(spec, action.table);
      return `Set the watermark of table ${t.name} of pipeline ${spec.name} to ${values(action.watermark)}${now}: the next extract reads the rows whose ${t.cursor.join(", ")} is at or after it. Nothing is read now, and a chunked load under way is abandoned. Refused while an extract of ${t.name} runs.`;
    }
    case "reset_watermark": {
      const t = tableOf(spec, action.table);
      if (t.mode === "cdc")
        return `Reset the log position of table ${t.name} of pipeline ${spec.name}${now}: the next extract reads the log's head, loads the whole table again in key-range chunks with its key set, as on the first run, and drains the log from that head; bronze then converges to the source, deletes included. Nothing is read now, and a chunked load under way is abandoned. Refused while an extract of ${t.name} runs.`;
      return t.mode === "incremental"
        ? `Reset the watermark of table ${t.name} of pipeline ${spec.name}${now}: the next extract loads the whole table again in key-range chunks with its key set, as on the first run, and fixes a new watermark; bronze then converges to the source, deletes included. Nothing is read now, and a chunked load under way is abandoned. Refused while an extract of ${t.name} runs.`
        : `Reset the load of full table ${t.name} of pipeline ${spec.name}: a full load under way is abandoned and the next extract starts a new one from the first chunk. Nothing is read now. Refused while an extract of ${t.name} runs.`;
    }
    case "rerun":
      return describeRerun(context.execution ?? null, action.execution);
  }
}

/** What a re-run does, naming the execution it repeats (and how that one ended, when known). */
export function describeRerun(old: Execution | null, id = old?.id ?? ""): string {
  const what = old
    ? ` (${old.step}${old.mode ? ` (${old.mode.kind})` : ""} of ${old.table ?? `source ${old.source}`}, ${old.status}${old.error ? `: ${old.error.type}: ${old.error.message}` : ""})`
    : "";
  return `Re-run execution ${id}${what}: a new execution runs the same request from where the stores stand now (landed batches and checkpoints are not repeated); ${id} is kept as it is.`;
}
