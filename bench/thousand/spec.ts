/**
 * The many-tables bench pipeline: N small MariaDB tables `t0001`… of the same shape, each landed to S3 and merged
 * to bronze, and a silver model for every `modelsEvery`-th table, so a few paths of the DAG have the third level
 * (extract → bronze → silver) that a real pipeline has, without silver tasks outnumbering the tables.
 */

/**
 * How the DAG is cut into tasks: `step` and `table` are `airflow.layout` (a task per step of each table, a task per
 * table); `source` is `granularity: source` (a task per step of each source, the service running its tables).
 */
export type Layout = "step" | "table" | "source";

export interface ThousandSpecOptions {
  /** Pipeline name (also the bronze and silver schema prefix and the DAG id). */
  name: string;
  tables: number;
  /** A silver model for table 1, 1 + every, 1 + 2·every, …; 0 for none. */
  modelsEvery: number;
  sourceDatabase: string;
  warehouseDatabase: string;
  /** Key prefix of the landing zone in the stack's bucket. */
  landingPrefix: string;
  layout: Layout;
  /** Airflow connection of the smelter service the DAG's tasks call. */
  connectionId: string;
  maxActiveTasks: number;
  /** `airflow.split: { by: hash, parts }` when above 0: the pipeline in that many DAGs. */
  splitParts?: number;
}

/** The source table names: `t0001` … zero-padded to at least four digits so that they sort as numbers. */
export function tableNames(count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(width, "0")}`);
}

/** The tables that get a silver model (`<table>_flat`). */
export function modelTables(count: number, every: number): string[] {
  if (every <= 0) return [];
  return tableNames(count).filter((_, i) => i % every === 0);
}

/** The spec's YAML text. */
export function thousandSpec(o: ThousandSpecOptions): string {
  const lines = [
    "version: 1",
    `name: ${o.name}`,
    "description: Many small tables (bench/thousand).",
    "connections:",
    "  src:",
    "    kind: mariadb",
    "    host: { env: SMELTER_MARIADB_HOST }",
    "    port: { env: SMELTER_MARIADB_PORT }",
    `    database: ${o.sourceDatabase}`,
    "    user: { env: SMELTER_MARIADB_USER }",
    "    password: { env: SMELTER_MARIADB_PASSWORD }",
    '    timezone: "+00:00"',
    "  warehouse:",
    "    kind: postgres",
    "    host: { env: SMELTER_PG_HOST }",
    "    port: { env: SMELTER_PG_PORT }",
    `    database: ${o.warehouseDatabase}`,
    "    user: { env: SMELTER_PG_USER }",
    "    password: { env: SMELTER_PG_PASSWORD }",
    "  landing:",
    "    kind: s3",
    "    bucket: { env: SMELTER_S3_BUCKET }",
    `    prefix: ${o.landingPrefix}`,
    "    region: { env: AWS_REGION }",
    "    endpoint: { env: SMELTER_S3_ENDPOINT }",
    "    access_key_id: { env: AWS_ACCESS_KEY_ID }",
    "    secret_access_key: { env: AWS_SECRET_ACCESS_KEY }",
    "warehouse: warehouse",
    "landing: landing",
    "defaults: { source: src }",
    "tables:",
    ...tableNames(o.tables).map((t) => `  - { name: ${t}, primary_key: [id], cursor: [updated_at] }`),
  ];
  const models = modelTables(o.tables, o.modelsEvery);
  if (models.length > 0) {
    lines.push("silver:");
    for (const t of models) {
      lines.push(`  - { name: ${t}_flat, from: ${t}, key: [id], columns: [id, label, amount, updated_at] }`);
    }
  }
  lines.push(
    "airflow:",
    "  schedule: null",
    "  retries: 0",
    `  max_active_tasks: ${o.maxActiveTasks}`,
    o.layout === "source" ? "  granularity: source" : `  layout: ${o.layout}`,
    `  connection_id: ${o.connectionId}`,
    "  tags: [smelter, bench]",
    ...(o.splitParts ? [`  split: { by: hash, parts: ${o.splitParts} }`] : []),
  );
  return `${lines.join("\n")}\n`;
}

/** MariaDB statements creating `table` with `rows` rows (id, label, amount, updated_at). */
export function sourceTableSql(table: string, rows: number): string[] {
  const values = Array.from(
    { length: rows },
    (_, i) =>
      `(${i + 1}, 'row ${i + 1} of ${table}', ${(i * 1.25).toFixed(2)}, '2026-01-01 00:00:00' + INTERVAL ${i} SECOND)`,
  );
  return [
    `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL, ` +
      "updated_at DATETIME(3) NOT NULL)",
    ...(rows > 0 ? [`INSERT INTO \`${table}\` VALUES ${values.join(", ")}`] : []),
  ];
}
