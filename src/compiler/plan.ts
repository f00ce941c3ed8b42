import type { AirflowSettings, PipelineSpec } from "../spec/types.ts";

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
  /** `main`: extract and bronze (and silver without assets); `silver`: the asset-scheduled silver DAG. */
  role: "main" | "silver";
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
 * model, so every model has such a task). Order follows the spec, so the same spec always yields the same plan.
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
  if (airflow.assets) {
    dags.push({
      dagId: dagId(spec.name),
      role: "main",
      schedule,
      description: `extract and bronze of ${spec.name}`,
      tasks: main,
    });
    if (silverTasks.length > 0) {
      const inputs = [...new Set(spec.silver.map((m) => m.from))];
      dags.push({
        dagId: silverDagId(spec.name),
        role: "silver",
        schedule: { kind: "assets", tables: inputs },
        description: `silver models of ${spec.name}, run when their bronze tables change`,
        tasks: silverTasks,
      });
    }
  } else {
    dags.push({
      dagId: dagId(spec.name),
      role: "main",
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
