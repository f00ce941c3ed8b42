import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { FreshnessSnapshot, TableFreshness } from "../../../src/http/freshness.ts";
import { serviceLog } from "../../../src/log.ts";
import { freshnessJob } from "../../../src/scheduler/freshness.ts";
import { freshnessState } from "../../../src/spec/freshness.ts";

const sla = { warnAfterSeconds: 3600, errorAfterSeconds: 7200 };

function orders(ageSeconds: number): TableFreshness {
  return {
    pipeline: "shop",
    table: "orders",
    applied: true,
    version: 3,
    ageSeconds,
    measuredFrom: "source",
    sla,
    state: freshnessState(ageSeconds, sla),
  };
}

const snapshot = (tables: TableFreshness[], reachable = true): FreshnessSnapshot => ({
  at: new Date(),
  tables,
  models: [],
  reachable: new Map([["shop", reachable]]),
});

test("the freshness job logs each change of state once: late, later, unreachable, recovered", async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")));
      done();
    },
  });
  const log = serviceLog({ format: "json", level: "info" }, { destination });
  const readings = [
    snapshot([orders(600)]),
    snapshot([orders(4000)]),
    snapshot([orders(4100)]),
    snapshot([orders(9000)]),
    snapshot([], false),
    snapshot([orders(60)]),
    snapshot([orders(120)]),
  ];
  const job = freshnessJob("* * * * *", { read: async () => readings.shift()!, log });
  const said: string[][] = [];
  for (let i = 0; i < 7; i++) {
    const before = lines.length;
    await job.run();
    said.push(lines.slice(before).map((l) => `${l.level} ${l.msg}`));
  }
  assert.deepEqual(said, [
    [],
    ["40 freshness warn: table orders of pipeline shop, newest change 1.1 h old (warn_after 1.0 h)"],
    [],
    ["50 freshness error: table orders of pipeline shop, newest change 2.5 h old (error_after 2.0 h)"],
    [],
    ["30 freshness recovered: table orders of pipeline shop, newest change 0.0 h old"],
    [],
  ]);
  const error = lines.find((l) => l.level === 50);
  assert.deepEqual(
    { ...error, time: undefined },
    {
      level: 50,
      time: undefined,
      pipeline: "shop",
      table: "orders",
      freshness: "error",
      age_seconds: 9000,
      warn_after_seconds: 3600,
      error_after_seconds: 7200,
      msg: "freshness error: table orders of pipeline shop, newest change 2.5 h old (error_after 2.0 h)",
    },
  );
});

test("a restarted job says again what is late", async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const log = serviceLog({ format: "json", level: "info" }, { destination });
  const job = freshnessJob("* * * * *", { read: async () => snapshot([orders(9000)]), log });
  await job.run();
  await job.run();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /freshness error/);
});
