import { createHash } from "node:crypto";
import type { AirflowSettings, AirflowSplit, PipelineSpec, TableSpec } from "../spec/types.ts";

/** What one Airflow task asks smelter to do (CONTRACTS §1), and where it sits in the graph. */
export interface PlannedTask {
  taskId: string;
  step: "extract" | "bronze" | "silver";
  /** Exactly one of table (a table, or a silver model for `silver`) and source. */
  table?: string;
  source?: string;
  /** Task ids of the same DAG that must finish first, in a fixed order. */
  upstream: string[];
  /**
   * Keys of the Assets this task updates (only with `airflow.assets`): `bronze/<table>` for a bronze task,
   * `silver/<model>` for a silver task.
   */
  outlets: string[];
  /**
   * `airflow.layout: table`: the task runs its extract, then the table's later steps (bronze, the silver models
   * reading it) in the service, each as its own execution (CONTRACTS §1 `chain`).
   */
  chain?: true;
}

/** An Airflow Asset standing for one bronze table or silver model. */
export interface PlannedAsset {
  layer: "bronze" | "silver";
  /** The table, or the silver model. */
  table: string;
  /** `<layer>/<table>`: how the DAG's task rows name it. */
  key: string;
  uri: string;
  name: string;
}

/** One DAG: its id, when it runs, and its tasks in a fixed order. */
export interface PlannedDag {
  dagId: string;
  /**
   * `main`: extract and bronze (and silver without assets), what "run the pipeline" triggers (one per part when
   * the pipeline is split); `silver`: the asset-scheduled silver DAG.
   */
  role: "main" | "silver";
  /**
   * The part of a split pipeline this DAG holds (`p<k>`, `src__<source>`), `silver` for the silver DAG of a
   * split pipeline with assets, or null when the pipeline is not split: DAGs of the same part share a file.
   */
  part: string | null;
  /** `cron`: a cron expression or preset; `assets`: runs when any of these tables' bronze Assets updates. */
  schedule: { kind: "cron"; value: string } | { kind: "assets"; tables: string[] } | { kind: "none" };
  description: string;
  tasks: PlannedTask[];
}

/** Everything the renderer needs: no spec details beyond names and Airflow settings. */
export interface Plan {
  pipeline: string;
  description?: string;
  airflow: AirflowSettings;
  assets: PlannedAsset[];
  dags: PlannedDag[];
}

/** DAG id of the pipeline's main DAG (CONTRACTS §3). */
export function dagId(pipeline: string): string {
  return `smelter__${pipeline}`;
}

/** DAG id of the silver DAG that `airflow.assets: true` splits off. */
export function silverDagId(pipeline: string): string {
  return `smelter__${pipeline}__silver`;
}

/** DAG id of one part of a pipeline split with `airflow.split` (CONTRACTS §3). */
export function partDagId(pipeline: string, part: string): string {
  return `smelter__${pipeline}__${part}`;
}

/**
 * Whether `id` is a DAG that "run the pipeline" triggers: the pipeline's main DAG, or one of its parts
 * (`smelter__<pipeline>__p<k>`, `smelter__<pipeline>__src__<source>`), never the asset-scheduled silver DAG.
 */
export function isEntryDagId(pipeline: string, id: string): boolean {
  if (id === dagId(pipeline)) return true;
  const prefix = `${dagId(pipeline)}__`;
  return id.startsWith(prefix) && /^(p[0-9]+|src__.+)$/.test(id.slice(prefix.length));
}

/**
 * The part of a split pipeline a table belongs to. `hash`: `p<k>` with k the first 4 bytes of sha256(table
 * name), big-endian, modulo the parts: a table's part depends on its name and the number of parts only, so adding
 * or removing a table moves no other table (and no task history). `source`: `src__<source>`.
 */
export function partOf(split: AirflowSplit, table: Pick<TableSpec, "name" | "source">): string {
  if (split.by === "source") return `src__${table.source}`;
  const k = createHash("sha256").update(table.name, "utf8").digest().readUInt32BE(0) % split.parts;
  return `p${k}`;
}

/** Task id of a table's one task under `airflow.layout: table` (CONTRACTS §3). */
export function tableTaskId(table: string): string {
  return `table__${table}`;
}

/** The Asset of a bronze table or silver model (CONTRACTS §3). */
export function layerAsset(pipeline: string, layer: PlannedAsset["layer"], table: string): PlannedAsset {
  return {
    layer,
    table,
    key: `${layer}/${table}`,
    uri: `smelter://${pipeline}/${layer}/${table}`,
    name: `smelter_${pipeline}_${layer}_${table}`,
  };
}

/** The Asset of a bronze table (CONTRACTS §3). */
export function bronzeAsset(pipeline: string, table: string): PlannedAsset {
  return layerAsset(pipeline, "bronze", table);
}

/** The Asset of a silver model (CONTRACTS §3). */
export function silverAsset(pipeline: string, model: string): PlannedAsset {
  return layerAsset(pipeline, "silver", model);
}

/**
 * Turns a spec into DAGs and tasks. Extract → bronze per table (or per source with `granularity: source`);
 * each silver model after the bronze task that loads its table, or, with `assets: true`, in a second DAG
 * scheduled on the bronze Assets, each silver task updating its model's Asset. With `layout: table`, one task per table runs all of the table's steps; a
 * silver model joins the task of the one bronze table it reads (a model reads exactly one table and no other
 * model, so every model has such a task). With `split`, each part (`partOf`) is a DAG of its own holding its
 * tables' tasks and the silver tasks of the models reading them, so no edge crosses DAGs; with `assets` too, the
 * silver DAG is scheduled on the bronze Assets of every part. Order follows the spec, so the same spec always
 * yields the same plan.
 */
export function planPipeline(spec: PipelineSpec): Plan {
  const { airflow } = spec;
  const perSource = airflow.granularity === "source";
  const sources = [...new Set(spec.tables.map((t) => t.source))];
  const main: PlannedTask[] = [];
  /** Task id of the bronze task that loads each table. */
  const bronzeOf = new Map<string, string>();

  if (perSource) {
    for (const source of sources) {
      const tables = spec.tables.filter((t) => t.source === source).map((t) => t.name);
      const extract = `extract__src__${source}`;
      const bronze = `bronze__src__${source}`;
      main.push({ taskId: extract, step: "extract", source, upstream: [], outlets: [] });
      main.push({
        taskId: bronze,
        step: "bronze",
        source,
        upstream: [extract],
        outlets: airflow.assets ? tables.map((t) => bronzeAsset(spec.name, t).key) : [],
      });
      for (const table of tables) bronzeOf.set(table, bronze);
    }
  } else if (airflow.layout === "table") {
    for (const { name } of spec.tables) {
      const task = tableTaskId(name);
      main.push({ taskId: task, step: "extract", table: name, upstream: [], outlets: [], chain: true });
      bronzeOf.set(name, task);
    }
  } else {
    for (const { name } of spec.tables) {
      const extract = `extract__${name}`;
      const bronze = `bronze__${name}`;
      main.push({ taskId: extract, step: "extract", table: name, upstream: [], outlets: [] });
      main.push({
        taskId: bronze,
        step: "bronze",
        table: name,
        upstream: [extract],
        outlets: airflow.assets ? [bronzeAsset(spec.name, name).key] : [],
      });
      bronzeOf.set(name, bronze);
    }
  }

  // A model runs inside the task of the table it reads when that task is a chain; any other model is a task
  // of its own after the task that loads its table.
  const chained = new Set(main.filter((t) => t.chain).map((t) => t.table));
  const silverTasks: PlannedTask[] = spec.silver
    .filter((model) => !chained.has(model.from))
    .map((model) => ({
      taskId: `silver__${model.name}`,
      step: "silver",
      table: model.name,
      upstream: airflow.assets ? [] : [bronzeOf.get(model.from)!],
      outlets: airflow.assets ? [silverAsset(spec.name, model.name).key] : [],
    }));
  const schedule: PlannedDag["schedule"] =
    airflow.schedule === null ? { kind: "none" } : { kind: "cron", value: airflow.schedule };
  const dags: PlannedDag[] = [];
  const silverDag = (part: string | null): PlannedDag[] => {
    if (silverTasks.length === 0) return [];
    const inputs = [...new Set(spec.silver.map((m) => m.from))];
    return [
      {
        dagId: silverDagId(spec.name),
        role: "silver",
        part,
        schedule: { kind: "assets", tables: inputs },
        description: `silver models of ${spec.name}, run when their bronze tables change`,
        tasks: silverTasks,
      },
    ];
  };
  if (airflow.split) {
    const { split } = airflow;
    const tableOf = new Map(spec.tables.map((t) => [t.name, t]));
    const readBy = new Map(spec.silver.map((m) => [m.name, m.from]));
    const sourcePart = (source: string) => partOf(split, { name: "", source });
    const partOfTask = (task: PlannedTask): string => {
      if (task.source !== undefined) return sourcePart(task.source);
      // A table task names its table; a silver task its model, which goes with the table it reads.
      const named = task.table ?? "";
      return partOf(split, tableOf.get(task.step === "silver" ? (readBy.get(named) ?? named) : named)!);
    };
    const tasks = airflow.assets ? main : [...main, ...silverTasks];
    const byPart = new Map<string, PlannedTask[]>();
    for (const task of tasks) {
      const part = partOfTask(task);
      byPart.set(part, [...(byPart.get(part) ?? []), task]);
    }
    // Parts of a hash split in the order of k; parts of a source split in the order the sources first appear.
    const parts = [...byPart.keys()];
    if (split.by === "hash") parts.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    for (const part of parts) {
      dags.push({
        dagId: partDagId(spec.name, part),
        role: "main",
        part,
        schedule,
        description: `${airflow.assets ? "extract and bronze" : "extract, bronze and silver"} of ${spec.name}, part ${part}`,
        tasks: byPart.get(part)!,
      });
    }
    if (airflow.assets) dags.push(...silverDag("silver"));
  } else if (airflow.assets) {
    dags.push({
      dagId: dagId(spec.name),
      role: "main",
      part: null,
      schedule,
      description: `extract and bronze of ${spec.name}`,
      tasks: main,
    });
    dags.push(...silverDag(null));
  } else {
    dags.push({
      dagId: dagId(spec.name),
      role: "main",
      part: null,
      schedule,
      description: `extract, bronze and silver of ${spec.name}`,
      tasks: [...main, ...silverTasks],
    });
  }
  const assets = airflow.assets
    ? [
        ...spec.tables.map((t) => bronzeAsset(spec.name, t.name)),
        ...spec.silver.map((m) => silverAsset(spec.name, m.name)),
      ]
    : [];
  return {
    pipeline: spec.name,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    airflow,
    assets,
    dags,
  };
}
