import assert from "node:assert/strict";
import { test } from "node:test";
import mysql from "mysql2/promise";
import { countLayers } from "../../../src/demo/counts.ts";
import { runDemo } from "../../../src/demo/run.ts";
import { demoSettings, withStackEnv } from "../../../src/demo/settings.ts";
import { loadPipeline } from "../../../src/registry.ts";

/*
 * The demo run again with another data set (another scale): the source is loaded anew under a pipeline that
 * landed the earlier one, and the run must reload every table, not land only the rows that sort after the old
 * watermarks. Runs the demo of the stack's pipeline `social` through Airflow, twice.
 */

const env = withStackEnv(process.env);
const skip = env.SMELTER_SERVICE_URL
  ? false
  : "SMELTER_SERVICE_URL is not set: start the stack and the service (scripts/stack up service)";

test(
  "the demo run on a source loaded anew reloads every table: bronze holds the new data set",
  { skip },
  async () => {
    const lines: string[] = [];
    const write = (line: string) => {
      lines.push(line);
      process.stdout.write(`# demo: ${line}\n`);
    };
    await runDemo(demoSettings({ scale: "0.01", rounds: "0" }, env), env, write);
    lines.length = 0;
    await runDemo(demoSettings({ scale: "0.02", rounds: "0" }, env), env, write);
    assert.ok(
      lines.some((l) =>
        l.includes("posts: watermark reset (the source was loaded anew); this run reloads it"),
      ),
      lines.join("\n"),
    );

    const pipeline = await loadPipeline(demoSettings({}, env).specFile);
    const counts = await countLayers(pipeline.spec, env);
    const source = await mysql.createConnection({ uri: env.SMELTER_MARIADB_URL });
    try {
      const [rows] = await source.query("SELECT COUNT(*) AS n FROM network_accounts WHERE is_deleted = 0");
      const live = Number((rows as { n: number }[])[0]?.n);
      const bronze = Object.fromEntries(counts.tables.map((t) => [t.table, [t.bronze, t.source]]));
      assert.deepEqual(bronze.posts, [3_000, 3_000], "posts: bronze holds the source's rows");
      assert.equal(bronze.daily_metrics?.[0], bronze.daily_metrics?.[1], "daily_metrics");
      assert.equal(
        bronze.network_account_types?.[0],
        bronze.network_account_types?.[1],
        "network_account_types",
      );
      assert.equal(bronze.network_accounts?.[0], live, "network_accounts: the rows not soft-deleted");
    } finally {
      await source.end();
    }
  },
);
