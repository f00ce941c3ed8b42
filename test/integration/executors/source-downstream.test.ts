import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Executor, StepMetrics } from "../../../src/contracts/step.ts";
import { bronze } from "../../../src/executors/bronze/index.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { executors } from "../../../src/executors/index.ts";
import { type ExecutorRegistry, runTaskWith } from "../../../src/executors/runner.ts";
import { silver } from "../../../src/executors/silver.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";
import {
  changingTable,
  context,
  missingStack,
  pipelineSpec,
  tableSpec,
  uniqueName,
} from "./extract-helpers.ts";
import { differences, warehousePool } from "./pipeline-helpers.ts";

/*
 * A source execution with its later steps (`downstream`): each table's bronze starts as soon as its extract
 * ended while the next tables are extracted, and lands the same rows with the same metrics as an extract of the
 * source followed by a bronze of the source.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");

/** When each (step, table) of a run started and ended, in milliseconds of `performance.now()`. */
type Times = Record<string, { start: number; end: number }>;

/** The real executors, each wrapped to record when it started and ended. */
function timedRegistry(times: Times): ExecutorRegistry {
  const timed =
    (step: string, run: Executor): Executor =>
    async (request, ctx) => {
      const span = { start: performance.now(), end: Number.NaN };
      times[`${step} ${request.table}`] = span;
      try {
        return await run(request, ctx);
      } finally {
        span.end = performance.now();
      }
    };
  return {
    extract: timed("extract", extract),
    bronze: timed("bronze", bronze),
    silver,
    ...(executors.shared ? { shared: executors.shared } : {}),
  };
}

describe("a source execution running each table's bronze after its extract", { skip: skip ?? false }, () => {
  // Three small tables, then a larger one that is still being extracted when the first bronze starts.
  const tables = [
    changingTable("ovl_a", 3_000),
    changingTable("ovl_b", 3_000),
    changingTable("ovl_c", 3_000),
    changingTable("ovl_d", 60_000),
  ];
  const specs: PipelineSpec[] = [];
  const warehouse = warehousePool(() => specs);

  const specFor = async (): Promise<PipelineSpec> => {
    const base = await pipelineSpec(
      uniqueName("p"),
      tables.map(({ table }) => tableSpec({ name: table, chunkSize: 20_000 })),
      { source: "mariadb", urlEnv: "SMELTER_MARIADB_URL", landing: "local" },
    );
    const spec: PipelineSpec = {
      ...base,
      connections: {
        ...base.connections,
        wh: {
          kind: "postgres",
          url: { env: "SMELTER_WAREHOUSE_URL" },
          timezone: "+00:00",
          maxConnections: 2,
        },
      },
      warehouse: "wh",
    };
    specs.push(spec);
    return spec;
  };

  it("starts the first table's bronze before the last table's extract ends, with the rows and metrics of extract then bronze", async () => {
    const stepwise = await specFor();
    const extracted = await runTaskWith(
      timedRegistry({}),
      { pipeline: stepwise.name, step: "extract", source: "src" },
      context(stepwise),
    );
    const bronzed = await runTaskWith(
      timedRegistry({}),
      { pipeline: stepwise.name, step: "bronze", source: "src" },
      context(stepwise),
    );

    const overlapped = await specFor();
    const times: Times = {};
    const ctx = context(overlapped);
    const metrics = await runTaskWith(
      timedRegistry(times),
      { pipeline: overlapped.name, step: "extract", source: "src", downstream: true },
      ctx,
    );

    const first = tables[0]!.table;
    const last = tables.at(-1)!.table;
    const bronzeFirst = times[`bronze ${first}`];
    const extractLast = times[`extract ${last}`];
    assert.ok(bronzeFirst && extractLast, `every step ran: ${Object.keys(times).join(", ")}`);
    assert.ok(
      bronzeFirst.start < extractLast.end,
      `bronze of ${first} started ${(bronzeFirst.start - extractLast.end).toFixed(0)} ms after the extract of ${last} ended`,
    );
    assert.ok(
      ctx.lines.some((l) => l === `info bronze: starting after extract of ${first}`),
      ctx.lines.join("\n"),
    );

    for (const { table, db } of tables) {
      const mine = metrics.tables?.[table] as StepMetrics;
      const theirs = extracted.tables?.[table] as StepMetrics;
      const theirBronze = bronzed.tables?.[table] as StepMetrics;
      assert.equal(mine.rowsLanded, theirs.rowsLanded, `${table}: rows landed`);
      assert.equal(mine.batches, theirs.batches, `${table}: batches`);
      const myBronze = mine.steps?.bronze as StepMetrics;
      for (const key of ["inserted", "updated", "deleted", "unchanged"] as const)
        assert.equal(myBronze[key], theirBronze[key], `${table}: bronze ${key}`);
      for (const spec of [stepwise, overlapped])
        assert.deepEqual(
          await differences(db(), warehouse, table, `"${spec.bronzeSchema}"."${table}"`),
          [],
          `${table} in ${spec.bronzeSchema}`,
        );
    }
    assert.equal(metrics.rowsLanded, extracted.rowsLanded);
    assert.equal(metrics.rowsLanded, 69_000);
  });
});
