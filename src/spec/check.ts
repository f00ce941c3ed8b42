import { eventChoiceProblem } from "../webhooks.ts";
import type { SpecPath } from "./problems.ts";
import { IDENTIFIER_PATTERN } from "./schema/identifier.ts";
import type { RawPipeline } from "./schema/pipeline.ts";
import type { PipelineSpec, TableSpec } from "./types.ts";

/** A rule the schema cannot express, broken at `path`. */
export interface SemanticViolation {
  path: SpecPath;
  message: string;
}

/** Derived schema names must be what the schema's `identifier` admits when written. */
const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);

/** What a warehouse kind supports, as far as the spec checks need to know (its dialect satisfies this). */
export interface WarehouseSupport {
  readonly capabilities: {
    readonly mergeStrategies: readonly ("upsert" | "scd2")[];
    readonly partitioning: readonly ("list" | "hash")[];
    readonly maxClusterColumns: number;
    readonly changeBatches: boolean;
  };
  /** Null when `type` names a type of this warehouse, otherwise why not. */
  checkType(type: string): string | null;
}

/**
 * The kinds smelter can connect to, from the registries of sources and warehouses (`src/registry.ts`): the
 * spec checks ask these instead of knowing any kind themselves.
 */
export interface KindSupport {
  sources: readonly string[];
  /** Source kinds whose log smelter reads for `mode: cdc`. */
  changeCapture: readonly string[];
  landing: readonly string[];
  warehouses: Readonly<Record<string, WarehouseSupport>>;
}

/**
 * Checks across the document: names that must refer to something, names that must be unique, options that only
 * make sense together, and options the chosen warehouse must support. Silver models read bronze tables only (never
 * another silver model), so the model graph has depth one and cannot hold a cycle; `from` naming a model is
 * reported as such.
 */
export function checkSemantics(
  raw: RawPipeline,
  spec: PipelineSpec,
  kinds: KindSupport,
): SemanticViolation[] {
  const out: SemanticViolation[] = [];
  const report = (path: SpecPath, message: string) => out.push({ path, message });
  const connectionNames = Object.keys(spec.connections);
  const known = `known connections: ${connectionNames.join(", ")}`;

  if (spec.name.includes("__")) {
    report(["name"], 'must not contain "__" (it separates the parts of DAG and task ids)');
  }
  for (const [key, value] of [
    ["bronze_schema", spec.bronzeSchema],
    ["silver_schema", spec.silverSchema],
  ] as const) {
    if (!IDENTIFIER.test(value))
      report([key], `"${value}" is not a valid schema name; set ${key} explicitly`);
  }

  const warehouse = spec.connections[spec.warehouse];
  const warehouseKinds = Object.keys(kinds.warehouses);
  const support = warehouse ? kinds.warehouses[warehouse.kind] : undefined;
  if (!warehouse) report(["warehouse"], `unknown connection "${spec.warehouse}" (${known})`);
  else if (!support) {
    report(
      ["warehouse"],
      `connection "${spec.warehouse}" is ${warehouse.kind}; the warehouse must be one of: ${warehouseKinds.join(", ")}`,
    );
  }
  const warehouseName = `warehouse ${warehouse?.kind}`;
  const checkType = (path: SpecPath, type: string) => {
    const problem = support?.checkType(type);
    if (problem) report(path, `${problem} (${warehouseName})`);
  };
  const landing = spec.connections[spec.landing];
  if (!landing) report(["landing"], `unknown connection "${spec.landing}" (${known})`);
  else if (!kinds.landing.includes(landing.kind)) {
    report(
      ["landing"],
      `connection "${spec.landing}" is ${landing.kind}; the landing zone must be one of: ${kinds.landing.join(", ")}`,
    );
  }
  if (raw.defaults?.source !== undefined) checkSource(raw.defaults.source, ["defaults", "source"]);

  function checkSource(name: string, path: SpecPath) {
    const conn = spec.connections[name];
    if (!conn) report(path, `unknown connection "${name}" (${known})`);
    else if (!kinds.sources.includes(conn.kind)) {
      const what = kinds.landing.includes(conn.kind) ? `a ${conn.kind} landing zone` : `${conn.kind}`;
      report(
        path,
        `connection "${name}" is ${what}, not a source database (sources: ${kinds.sources.join(", ")})`,
      );
    }
  }

  /** Change capture reads one source table's log by primary key: no query, no cursor, deletes come from the log. */
  function checkCdc(
    rawTable: RawPipeline["tables"][number],
    table: TableSpec,
    at: (...rest: (string | number)[]) => SpecPath,
  ) {
    if (rawTable.query !== undefined)
      report(
        at("query"),
        "mode cdc reads a source table's log; name the table (table: schema.table) instead of a query",
      );
    if (table.cursor.length > 0)
      report(at("cursor"), "is not used by mode cdc (changes are ordered by their log position); remove it");
    if (table.deletes.mode === "reconcile")
      report(
        at("deletes"),
        "mode cdc reads deletes from the log; key reconciliation does not apply (use none or soft)",
      );
    if (support && !support.capabilities.changeBatches)
      report(
        at("mode"),
        `${warehouseName} does not apply changes read from a log yet; read this table with mode incremental or full`,
      );
    const conn = spec.connections[table.source];
    if (conn && kinds.sources.includes(conn.kind) && !kinds.changeCapture.includes(conn.kind)) {
      report(
        at("mode"),
        `source "${table.source}" is ${conn.kind}, whose log smelter does not read (mode cdc works with: ${kinds.changeCapture.join(", ")})`,
      );
    }
  }

  const tableIndex = new Map<string, number>();
  spec.tables.forEach((table, i) => {
    const at = (...rest: (string | number)[]): SpecPath => ["tables", i, ...rest];
    const rawTable = raw.tables[i]!;
    const first = tableIndex.get(table.name);
    if (first !== undefined)
      report(at("name"), `duplicate table name "${table.name}" (first at tables[${first}])`);
    else tableIndex.set(table.name, i);
    if (table.name.endsWith("__changes"))
      report(at("name"), 'must not end in "__changes" (the change feed suffix)');

    if (table.source === "") {
      report(
        at(),
        "names no source: set source here or defaults.source (more than one source database exists)",
      );
    } else if (rawTable.source !== undefined) checkSource(table.source, at("source"));

    if (rawTable.table !== undefined && rawTable.query !== undefined) {
      report(at("query"), "give either table or query, not both");
    }
    if (table.mode === "incremental" && table.cursor.length === 0) {
      report(at("cursor"), "is required when mode is incremental (or set mode: full)");
    }
    if (table.mode === "cdc") checkCdc(rawTable, table, at);
    const { include, exclude } = table.columns;
    if (include && exclude) report(at("columns"), "give either include or exclude, not both");
    const needed: [string, string[]][] = [
      ["primary_key", table.primaryKey],
      ["cursor", table.cursor],
    ];
    if (table.deletes.mode === "soft") needed.push(["deletes.column", [table.deletes.column]]);
    for (const [what, columns] of needed) {
      for (const column of columns) {
        if (include && !include.includes(column)) {
          report(at("columns", "include"), `must include ${what} column "${column}"`);
        }
        if (exclude?.includes(column))
          report(at("columns", "exclude"), `must not exclude ${what} column "${column}"`);
      }
    }
    const partition = table.partitionBy;
    if (partition?.kind === "hash" && partition.partitions === undefined) {
      report(at("partition_by"), "hash partitioning needs partitions: N");
    }
    if (partition?.kind === "list" && partition.partitions !== undefined) {
      report(at("partition_by", "partitions"), "only applies to kind: hash");
    }
    if (partition && support && !support.capabilities.partitioning.includes(partition.kind)) {
      const kinds = support.capabilities.partitioning;
      report(
        at("partition_by", "kind"),
        kinds.length === 0
          ? `${warehouseName} does not partition tables; remove partition_by (cluster_by orders the data instead)`
          : `${warehouseName} cannot partition by ${partition.kind} (it can: ${kinds.join(", ")})`,
      );
    }
    const maxCluster = support?.capabilities.maxClusterColumns ?? Number.POSITIVE_INFINITY;
    if (table.clusterBy.length > maxCluster) {
      report(at("cluster_by"), `${warehouseName} clusters by at most ${maxCluster} columns`);
    }
    for (const [column, type] of Object.entries(table.typeOverrides)) {
      checkType(at("type_overrides", column), type);
    }
  });

  const modelIndex = new Map<string, number>();
  spec.silver.forEach((model, i) => {
    const at = (...rest: (string | number)[]): SpecPath => ["silver", i, ...rest];
    const first = modelIndex.get(model.name);
    if (first !== undefined)
      report(at("name"), `duplicate silver model name "${model.name}" (first at silver[${first}])`);
    else modelIndex.set(model.name, i);

    if (!tableIndex.has(model.from)) {
      const isModel = spec.silver.some((m) => m.name === model.from);
      report(
        at("from"),
        isModel
          ? `"${model.from}" is a silver model; silver models read bronze tables only`
          : `unknown table "${model.from}" (tables: ${[...tableIndex.keys()].join(", ")})`,
      );
    }
    if (model.scd === 2 && support && !support.capabilities.mergeStrategies.includes("scd2")) {
      report(at("scd"), `${warehouseName} does not keep SCD type 2 history; use scd: 1`);
    }
    const columnIndex = new Map<string, number>();
    model.columns.forEach((column, c) => {
      if ("type" in column && column.type !== undefined) checkType(at("columns", c, "type"), column.type);
      const seen = columnIndex.get(column.name);
      if (seen !== undefined) {
        report(
          at("columns", c),
          `duplicate column "${column.name}" (first at silver[${i}].columns[${seen}])`,
        );
      } else columnIndex.set(column.name, c);
    });
    if (!model.includeAll) {
      if (model.columns.length === 0) report(at(), "has no columns: list columns or set include_all: true");
      for (const key of model.key) {
        if (!columnIndex.has(key)) {
          report(
            at("key"),
            `key column "${key}" is not a column of the model (list it in columns or set key)`,
          );
        }
      }
    }
  });

  const start = new Date(`${spec.airflow.startDate}T00:00:00Z`);
  if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== spec.airflow.startDate) {
    report(["airflow", "start_date"], `"${spec.airflow.startDate}" is not a calendar date`);
  }
  // A table's task runs its silver models after bronze; assets would move them to their own DAG, and a task per
  // source has no one table to chain.
  if (spec.airflow.layout === "table") {
    if (spec.airflow.assets)
      report(
        ["airflow", "layout"],
        "layout: table runs a table's silver models inside the table's task; it cannot be combined with assets: true, which runs silver in its own DAG",
      );
    if (spec.airflow.granularity === "source")
      report(["airflow", "layout"], "layout: table needs granularity: table (a task per table)");
  }
  checkSplit(raw, spec, report);
  checkNotifications(spec, tableIndex, modelIndex, report);
  // Thresholds merge field by field, so a conflict may come from the pipeline's default: report it where written.
  const slas = [
    ...spec.tables.map((t, i) => ({ sla: t.freshness, own: raw.tables[i]?.freshness, path: ["tables", i] })),
    ...spec.silver.map((m, i) => ({
      sla: m.freshness,
      own: raw.silver?.[i]?.freshness,
      path: ["silver", i],
    })),
  ];
  const conflicts = new Set<string>();
  for (const { sla, own, path } of slas) {
    const { warnAfterSeconds: warn, errorAfterSeconds: error } = sla;
    if (warn === null || error === null || error >= warn) continue;
    const where: SpecPath = own ? [...path, "freshness", "error_after"] : ["freshness", "error_after"];
    if (conflicts.has(where.join("."))) continue;
    conflicts.add(where.join("."));
    report(
      where,
      `error_after (${error} s) is below warn_after (${warn} s): a table or model would be in error before it warns`,
    );
  }
  return out;
}

/**
 * `airflow.split` must say how many parts a hash split makes, and may not put the tables of one per-source task
 * in several DAGs (a source's task runs every table of the source).
 */
function checkSplit(
  raw: RawPipeline,
  spec: PipelineSpec,
  report: (path: SpecPath, message: string) => void,
): void {
  const written = raw.airflow?.split;
  if (!written) return;
  const by = written.by ?? "hash";
  if (by === "hash" && written.parts === undefined)
    report(["airflow", "split"], "by: hash needs parts: N (how many DAGs, 2 to 100)");
  if (by === "source" && written.parts !== undefined)
    report(["airflow", "split", "parts"], "only applies to by: hash (by: source makes one part per source)");
  if (by === "hash" && spec.airflow.granularity === "source")
    report(
      written.by === undefined ? ["airflow", "split"] : ["airflow", "split", "by"],
      "granularity: source runs every table of a source in one task, which by: hash would spread over several DAGs; use split: { by: source }",
    );
}

/**
 * A pipeline's webhooks must name tables and models of the spec, and may not choose a recovery without what it
 * recovers from: a resolve message goes only to the webhooks that were told the incident.
 */
function checkNotifications(
  spec: PipelineSpec,
  tables: ReadonlyMap<string, number>,
  models: ReadonlyMap<string, number>,
  report: (path: SpecPath, message: string) => void,
): void {
  for (const target of spec.notifications) {
    const at = (...rest: (string | number)[]): SpecPath => ["notifications", target.name, ...rest];
    target.only?.tables.forEach((table, i) => {
      if (tables.has(table)) return;
      const hint = models.has(table) ? `; "${table}" is a silver model: list it under models` : "";
      report(at("tables", i), `unknown table "${table}" (tables: ${[...tables.keys()].join(", ")})${hint}`);
    });
    target.only?.models.forEach((model, i) => {
      if (models.has(model)) return;
      const known = models.size > 0 ? `silver models: ${[...models.keys()].join(", ")}` : "no silver models";
      const hint = tables.has(model) ? `; "${model}" is a table: list it under tables` : "";
      report(at("models", i), `unknown silver model "${model}" (${known})${hint}`);
    });
    if (target.only && target.only.tables.length === 0 && target.only.models.length === 0) {
      report(
        at(),
        "lists no table and no model: it would receive nothing; remove tables and models to receive every event",
      );
    }
    const problem = eventChoiceProblem(target.events);
    if (problem) report(at("events"), problem);
  }
}
