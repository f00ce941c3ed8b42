/**
 * Extract benchmark: a 2M-row, 8-column MariaDB table, read raw with mysql2 streaming and extracted + landed by
 * smelter (in a child process, for its peak RSS), alternating `BENCH_REPEAT` times (default 3) so that load from
 * other processes on the machine hits both alike; the best of each is compared. Writes
 * bench/results/extract.json. Measures, never asserts. Needs the stack (scripts/stack up): SMELTER_MARIADB_URL,
 * SMELTER_STATE_URL.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import mysql from "mysql2";

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const TABLE = "bench_extract";
const url = process.env.SMELTER_MARIADB_URL;
if (!url || !process.env.SMELTER_STATE_URL) {
  console.error("bench/extract: SMELTER_MARIADB_URL and SMELTER_STATE_URL must be set (scripts/stack up)");
  process.exit(2);
}

const conn = mysql.createConnection({
  uri: url,
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
});
const db = conn.promise();

const [countRows] = await db.query(
  `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
  [TABLE],
);
let existing = 0;
if (Number((countRows as { n: string }[])[0]?.n) > 0) {
  const [r] = await db.query(`SELECT COUNT(*) AS n FROM ${TABLE}`);
  existing = Number((r as { n: number }[])[0]?.n);
}
if (existing !== ROWS) {
  console.log(`loading ${ROWS} rows into ${TABLE}...`);
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await db.query(`CREATE TABLE ${TABLE} (
    id BIGINT PRIMARY KEY, account_id INT NOT NULL, amount DECIMAL(12,2), title VARCHAR(100),
    body VARCHAR(255), status TINYINT NOT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL,
    KEY (updated_at))`);
  await db.query(`INSERT INTO ${TABLE}
    SELECT seq, seq % 10007, (seq % 100000) / 100, CONCAT('title ', seq), CONCAT('body of post ', seq, ' lorem ipsum dolor'),
           seq % 5, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND,
           TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND
      FROM seq_1_to_${ROWS}`);
}

interface ChildResult {
  rows: number;
  seconds: number;
  maxRssMb: number;
  files: number;
  bytes: number;
}

/** Raw: mysql2 streaming read of every row, nothing else. Returns rows per second. */
async function rawRead(): Promise<number> {
  let rows = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    conn
      .query({ sql: `SELECT * FROM ${TABLE}`, rowsAsArray: true })
      .stream()
      .on("data", () => {
        rows += 1;
      })
      .on("end", () => resolve())
      .on("error", reject);
  });
  return rows / ((performance.now() - t0) / 1000);
}

/** smelter: the extract executor in a child process, landing in a local directory, first run (all rows). */
function smelterExtract(): ChildResult {
  const child = fileURLToPath(new URL("./child.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", child, TABLE], {
    encoding: "utf8",
    env: process.env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as ChildResult;
}

const runs: { rawRowsPerSecond: number; smelter: ChildResult & { rowsPerSecond: number } }[] = [];
for (let i = 0; i < REPEAT; i++) {
  const rawRowsPerSecond = Math.round(await rawRead());
  const result = smelterExtract();
  runs.push({
    rawRowsPerSecond,
    smelter: { ...result, rowsPerSecond: Math.round(result.rows / result.seconds) },
  });
  console.error(
    `run ${i + 1}: raw ${rawRowsPerSecond} rows/s, smelter ${runs.at(-1)?.smelter.rowsPerSecond} rows/s`,
  );
}
await db.end();
const bestRaw = Math.max(...runs.map((r) => r.rawRowsPerSecond));
const bestSmelter = runs.reduce((a, b) =>
  b.smelter.rowsPerSecond > a.smelter.rowsPerSecond ? b : a,
).smelter;
const maxRssMb = Math.max(...runs.map((r) => r.smelter.maxRssMb));
/** Each run's smelter/raw ratio, measured back to back; the median is less sensitive to load from elsewhere. */
const paired = runs.map((r) => r.smelter.rowsPerSecond / r.rawRowsPerSecond).sort((a, b) => a - b);
const medianPaired =
  paired.length % 2
    ? (paired[(paired.length - 1) / 2] as number)
    : ((paired[paired.length / 2 - 1] as number) + (paired[paired.length / 2] as number)) / 2;

const report = {
  rows: ROWS,
  columns: 8,
  repeat: REPEAT,
  rawMysql2: { rowsPerSecond: bestRaw },
  smelterExtract: { ...bestSmelter, maxRssMb },
  ratio: Number((bestSmelter.rowsPerSecond / bestRaw).toFixed(3)),
  medianPairedRatio: Number(medianPaired.toFixed(3)),
  runs,
  measuredAt: new Date().toISOString(),
};
await mkdir(new URL("../results/", import.meta.url), { recursive: true });
await writeFile(new URL("../results/extract.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
console.log(
  `ratio smelter/raw = ${report.ratio} best of each, ${report.medianPairedRatio} median of pairs (target >= 0.5); ` +
    `peak RSS ${maxRssMb} MB (target < 300)`,
);
