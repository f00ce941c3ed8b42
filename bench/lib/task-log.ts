import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Reading one Airflow task try's log (Airflow's structured JSON lines) for where its time went. */

/** What a task instance of Airflow's REST API tells about the try it ran. */
export interface TaskTry {
  task_id: string;
  try_number: number;
  start_date: string | null;
  end_date: string | null;
}

/** Where one task's time went, from its log and its task instance. */
export interface TaskPhases {
  /** TI start → the task runner's first log line (supervisor and runner process start). */
  startSeconds: number;
  /** The task runner parsing the whole DAG file to find its task ("Worker startup parse"). */
  parseSeconds: number;
  /** Parse done → the service created the execution (pre-execute, the connection from the API server, POST). */
  requestSeconds: number;
  /** Parse done → the smelter operator's submit answered and logged (the above, the answer, the link). */
  submitSeconds: number;
  /** Submitted → the operator saw the execution's end (the service's work plus the long poll). */
  serviceSeconds: number;
  /** Result seen → TI end (post-execute, XCom, state update, process exit). */
  finishSeconds: number;
}

const seconds = (from: string | Date | null | undefined, to: string | Date | null | undefined) =>
  from && to ? (new Date(to).getTime() - new Date(from).getTime()) / 1000 : Number.NaN;

/** The log file of one try of a task under `$AIRFLOW_HOME/logs` (Airflow 3's default layout). */
export const taskLogFile = (airflowHome: string, dagId: string, runId: string, ti: TaskTry) =>
  join(
    airflowHome,
    "logs",
    `dag_id=${dagId}`,
    `run_id=${runId}`,
    `task_id=${ti.task_id}`,
    `attempt=${ti.try_number || 1}.log`,
  );

/**
 * The phases of one task try, or null when its log is missing or has no parse line. `executionCreated` is when
 * the service created the execution the task submitted.
 */
export async function taskPhases(
  airflowHome: string,
  dagId: string,
  runId: string,
  ti: TaskTry,
  executionCreated: Date | string | undefined,
): Promise<TaskPhases | null> {
  let lines: { timestamp: string; event: string; dag_file_parse_ms?: number }[];
  try {
    lines = (await readFile(taskLogFile(airflowHome, dagId, runId, ti), "utf8"))
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
  } catch {
    return null;
  }
  const at = (test: (event: string) => boolean) => lines.find((l) => test(String(l.event)))?.timestamp;
  const parse = lines.find((l) => l.event === "Worker startup parse complete");
  const submitted = at((e) => e.startsWith("smelter execution "));
  const ended = at((e) => /^smelter execution \S+ .*\) (succeeded|failed)/.test(e));
  if (!parse || !lines[0]) return null;
  return {
    startSeconds: seconds(ti.start_date, lines[0].timestamp),
    parseSeconds: (parse.dag_file_parse_ms ?? Number.NaN) / 1000,
    requestSeconds: seconds(parse.timestamp, executionCreated),
    submitSeconds: seconds(parse.timestamp, submitted),
    serviceSeconds: seconds(submitted, ended),
    finishSeconds: seconds(ended, ti.end_date),
  };
}
