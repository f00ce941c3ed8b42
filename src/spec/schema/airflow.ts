import { type Static, Type } from "@sinclair/typebox";
import { define, Enum, OfType, ref } from "./builders.ts";
import { Duration } from "./common.ts";

/* `airflow`: how Airflow schedules and runs the pipeline's DAGs. */

export const Airflow = define(
  "airflow",
  Type.Partial(
    Type.Object(
      {
        schedule: OfType(["string", "null"], {
          pattern: "^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$",
          "x-expected": "a cron expression (5 or 6 fields), a preset such as @hourly, or null",
          description: "Default null: runs only when triggered.",
        }),
        start_date: Type.String({
          pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
          "x-expected": "a date YYYY-MM-DD",
          description: "Default 2024-01-01.",
        }),
        pool: OfType(["string", "null"], {
          pattern: "^[A-Za-z0-9_.-]{1,256}$",
          description: "Airflow pool; default none.",
        }),
        pool_slots: Type.Integer({
          minimum: 1,
          description: "Slots each task takes in the pool; default 1.",
        }),
        pool_size: Type.Integer({
          minimum: 1,
          description:
            "Slots of the pool `pool` names: publishing creates the pool with this many slots, or sets an existing pool's slots to it. Default: a missing pool is created with max_active_tasks × pool_slots slots; an existing one is left as it is.",
        }),
        max_active_tasks: Type.Integer({ minimum: 1, description: "Tasks of one run at a time; default 8." }),
        max_active_runs: Type.Integer({ minimum: 1, description: "Default 1." }),
        retries: Type.Integer({ minimum: 0, description: "Default 2." }),
        retry_delay: ref(Duration, { description: "Default 5m." }),
        execution_timeout: ref(Duration, { description: "Default 2h." }),
        owner: Type.String({ minLength: 1, description: "Default smelter." }),
        tags: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { uniqueItems: true }),
        granularity: Enum(["table", "source"], {
          description: "A task per table per step, or a task per source per step; default table.",
        }),
        layout: Enum(["step", "table"], {
          description:
            "step: a task per step of each table (extract, bronze, each silver model); table: one task per table that runs extract, bronze and the table's silver models one after the other in the service, each step still its own execution. Needs granularity table and no assets. Default step.",
        }),
        split: Type.Object(
          {
            by: Type.Optional(
              Enum(["hash", "source"], {
                description:
                  "hash: each table goes to the part its name hashes to (sha256, modulo parts), so adding or removing a table moves no other; source: a part per source connection. Default hash.",
              }),
            ),
            parts: Type.Optional(
              Type.Integer({
                minimum: 2,
                maximum: 100,
                description: "How many parts (DAGs) by: hash makes; required with by: hash.",
              }),
            ),
          },
          {
            additionalProperties: false,
            description:
              "Splits the pipeline across several DAGs, one file each (smelter__<pipeline>__<part>.py), so that a task parses only its part's file. A silver model goes with the table it reads. Default: one DAG file.",
          },
        ),
        assets: Type.Boolean({
          description:
            "Bronze tasks emit Assets and silver runs in its own DAG scheduled on them; default false.",
        }),
        connection_id: Type.String({
          pattern: "^[A-Za-z0-9_.-]{1,250}$",
          description: "Airflow connection id of the smelter service; default smelter_default.",
        }),
        deferrable: Type.Boolean({
          description:
            "Tasks wait for long executions in the triggerer, holding no worker slot; false polls in the worker. Default: Airflow's [operators] default_deferrable.",
        }),
        wait_before_defer: ref(Duration, {
          description:
            "How long a task waits in the worker before deferring: executions that end sooner skip the deferral's cost. Default 10s.",
        }),
      },
      { additionalProperties: false },
    ),
  ),
);

/** The `airflow` block as written. */
export type RawAirflow = Static<typeof Airflow>;
