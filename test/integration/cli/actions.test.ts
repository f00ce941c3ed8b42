import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import pg from "pg";
import { lockKey } from "../../../src/runtime/locks.ts";
import { missingStack } from "../executors/extract-helpers.ts";
import { actionPipeline, ROWS } from "../http/action-pipeline.ts";
import { call, eventually } from "../http/harness.ts";

/*
 * The recovery actions on the command line, against the same real pipeline as the API tests: each prints what
 * it does, runs under the service's locks (refused while one is held), and is audited as cli:<user>.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const BIN = join(import.meta.dirname, "../../../bin/smelter.js");

describe("recovery actions on the command line", { skip: skip ?? false }, () => {
  const p = actionPipeline("cli");
  let file = "";
  const model = () => `${p.table}_flat`;
  before(async () => {
    file = join(await mkdtemp(join(tmpdir(), "smelter-cli-")), `${p.name}.yaml`);
    await writeFile(file, p.yaml());
  });

  /** Runs `smelter <args>` with the suite's state database; resolves with its exit code and output. */
  function smelter(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return smelterWith({}, ...args);
  }

  /** `smelter <args>` with more environment variables. */
  function smelterWith(
    extra: NodeJS.ProcessEnv,
    ...args: string[]
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...extra, SMELTER_STATE_URL: p.state().url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  /** Holds an advisory lock of the service while `fn` runs. */
  async function holding<T>(step: string, table: string, fn: () => Promise<T>): Promise<T> {
    const holder = new pg.Client({ connectionString: p.state().url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKey(p.name, step, table)]);
      return await fn();
    } finally {
      await holder.end();
    }
  }

  it("re-syncs a table, then converges it again after deletes and quiet updates", async () => {
    const first = await smelter("resync", file, "--table", p.table);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Re-sync table .* then all its primary keys/);
    assert.match(first.stdout, /rows_landed: 5000/);
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });

    await p
      .db()
      .query(
        `DELETE FROM ${p.table} WHERE id IN (2, 4999); UPDATE ${p.table} SET payload = 'quiet' WHERE id = 1234`,
      );
    const second = await smelter("resync", file, "--table", p.table);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("is refused while a step of the table runs, and says by whom", async () => {
    const run = await holding("bronze", p.table, () => smelter("resync", file, "--table", p.table));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^failed: Busy: .* is being worked on by another process; nothing was done/);
    const mark = await holding("extract", p.table, () =>
      smelter("watermark", file, "--table", p.table, "--reset"),
    );
    assert.equal(mark.code, 1);
    assert.match(mark.stderr, /^refused: table .* is being extracted by .*; the watermark was not changed/);
  });

  it("backfills a range twice without a second change-feed row, and leaves the watermark", async () => {
    const before = await p.changesAfter(0);
    await p.db().query(`UPDATE ${p.table} SET payload = 'missed' WHERE id = 90`);
    const args = [
      "backfill",
      file,
      "--table",
      p.table,
      "--from",
      "2026-01-01 00:01:00",
      "--to",
      "2026-01-01 00:02:00",
    ];
    const once = await smelter(...args);
    assert.equal(once.code, 0, once.stderr);
    assert.match(
      once.stdout,
      /rows whose updated_at is at or after 2026-01-01 00:01:00 and before 2026-01-01 00:02:00/,
    );
    const after = await p.changesAfter(before.version);
    assert.deepEqual(after.changes, ["update_postimage 90", "update_preimage 90"]);
    assert.equal((await smelter(...args)).code, 0);
    assert.deepEqual(await p.changesAfter(after.version), { changes: [], version: after.version });
    const shown = await smelter("watermark", file, "--table", p.table);
    assert.match(shown.stdout, /"watermark": \[\s+"2026-01-01 01:23:20.000000"/);
  });

  it("sets and resets a watermark and rebuilds a silver model", async () => {
    const set = await smelter("watermark", file, "--table", p.table, "--set", "2026-01-01 00:30:00");
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /watermark of .* set to \["2026-01-01 00:30:00"\]/);
    const reset = await smelter("watermark", file, "--table", p.table, "--reset");
    assert.equal(reset.code, 0, reset.stderr);
    const rebuild = await smelter("rebuild-silver", file, "--model", model());
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.match(rebuild.stdout, new RegExp(`inserted: ${ROWS - 2}`));
  });

  it("re-runs a failed execution of the service", async () => {
    await p.db().query(`RENAME TABLE ${p.table} TO ${p.table}_away`);
    let failed = "";
    try {
      const sub = await call(p.svc().url, "POST", "/api/v1/executions", {
        pipeline: p.name,
        step: "extract",
        table: p.table,
        idempotency_key: `fail-${p.name}`,
      });
      failed = sub.body.id;
      await eventually(async () => {
        const r = await call(p.svc().url, "GET", `/api/v1/executions/${failed}?wait=5`);
        return r.body.status === "failed";
      }, 60_000);
    } finally {
      await p.db().query(`RENAME TABLE ${p.table}_away TO ${p.table}`);
    }
    const run = await smelter("rerun", failed);
    assert.equal(run.code, 0, run.stderr);
    const id = /queued as execution (ex_\w+)/.exec(run.stdout)?.[1];
    assert.ok(id, run.stdout);
    await eventually(async () => {
      const r = await call(p.svc().url, "GET", `/api/v1/executions/${id}?wait=5`);
      return r.body.status === "success";
    }, 120_000);
  });

  it("records every action as cli:<user> with its outcome", async () => {
    const { rows } = await p
      .state()
      .pool.query("SELECT actor, via, action, outcome FROM smelter.audit WHERE pipeline = $1 ORDER BY id", [
        p.name,
      ]);
    const actor = `cli:${userInfo().username}`;
    assert.deepEqual(
      rows.map((r) => [r.action, r.outcome]),
      [
        ["resync", "success"],
        ["resync", "success"],
        ["resync", "refused"],
        ["reset_watermark", "refused"],
        ["backfill", "success"],
        ["backfill", "success"],
        ["set_watermark", "success"],
        ["reset_watermark", "success"],
        ["rebuild_silver", "success"],
        ["rerun", "success"],
      ],
    );
    assert.ok(rows.every((r) => r.actor === actor && r.via === "cli"));
  });

  it("records a failure whose message quotes a secret with the secret scrubbed from the audit trail", async () => {
    const source = new URL(process.env.SMELTER_MARIADB_URL ?? "");
    const secretNamed = `cli-swap-${randomBytes(6).toString("hex")}`;
    const specSecret = `cli-ref-${randomBytes(6).toString("hex")}`;
    const cases = [
      // User and password swapped, the password in a variable whose name says so: a secret of the environment.
      { secret: secretNamed, user: "CLI_SWAP_PASSWORD", password: "CLI_SWAP_USER" },
      // The password read through the spec's reference, given as the user too: a secret the process read.
      { secret: specSecret, user: "CLI_SWAP_ID", password: "CLI_SWAP_KEY" },
    ];
    for (const { secret, user, password } of cases) {
      const swapped = join(await mkdtemp(join(tmpdir(), "smelter-cli-swap-")), `${p.name}.yaml`);
      await writeFile(
        swapped,
        p
          .yaml()
          .replace(
            /^ {2}src: .*$/m,
            `  src: { kind: mariadb, host: ${source.hostname}, port: ${source.port}, database: ${source.pathname.slice(1)}, user: { env: ${user} }, password: { env: ${password} } }`,
          ),
      );
      const run = await smelterWith(
        {
          CLI_SWAP_PASSWORD: secretNamed,
          CLI_SWAP_USER: source.username,
          CLI_SWAP_ID: specSecret,
          CLI_SWAP_KEY: specSecret,
        },
        "backfill",
        swapped,
        "--table",
        p.table,
        "--by",
        "key",
        "--from",
        "1",
        "--to",
        "2",
      );
      assert.equal(run.code, 1, run.stdout + run.stderr);
      const { rows } = await p
        .state()
        .pool.query(
          "SELECT outcome, detail FROM smelter.audit WHERE pipeline = $1 AND action = 'backfill' ORDER BY id DESC LIMIT 1",
          [p.name],
        );
      assert.equal(rows[0].outcome, "failed");
      assert.match(rows[0].detail, /Access denied for user '\[redacted\]'@/, `${user}: ${rows[0].detail}`);
      assert.ok(
        !rows[0].detail.includes(secret),
        `${user}: the audit detail shows no secret: ${rows[0].detail}`,
      );
    }
  });
});
