import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AirflowClient } from "../../../src/airflow/client.ts";
import { DagImportError, LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";

const url = process.env.SMELTER_AIRFLOW_URL;
const folder = process.env.SMELTER_DAGS_FOLDER ?? "dags-out";
const skip = url ? false : "SMELTER_AIRFLOW_URL is not set (source the stack's stack.env)";

describe("publisher against the real Airflow", { skip }, () => {
  const client = new AirflowClient({
    url: url ?? "",
    user: process.env.SMELTER_AIRFLOW_USER ?? "admin",
    password: process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
  });
  const publisher = new Publisher(client, new LocalDagFolder(folder));
  const suffix = randomBytes(3).toString("hex");
  const written: string[] = [];
  after(async () => {
    for (const f of written) await rm(join(folder, f), { force: true });
  });

  const goodDag = (dagId: string) =>
    `from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n\n` +
    `with DAG(dag_id="${dagId}", schedule=None, tags=["smelter-test"]):\n    EmptyOperator(task_id="noop")\n`;

  test("a good DAG file is registered, unpaused, and a second publish skips the unchanged file", async () => {
    const dagId = `smelter_test_good_${suffix}`;
    const file = { fileName: `${dagId}.py`, content: goodDag(dagId), dagIds: [dagId] };
    written.push(file.fileName);
    const first = await publisher.publishFile(file, { unpause: true, timeoutMs: 240_000 });
    assert.equal(first.changed, true);
    assert.equal((await client.getDag(dagId))?.is_paused, false);
    const second = await publisher.publishFile(file, { timeoutMs: 60_000 });
    assert.equal(second.changed, false);
  });

  test("a broken DAG file fails with Airflow's import error verbatim and disturbs no other DAG", async () => {
    const before = (await client.listDags()).map((d) => d.dag_id).sort();
    const dagId = `smelter_test_broken_${suffix}`;
    const file = {
      fileName: `${dagId}.py`,
      // Mentions airflow and DAG, or the dag processor's safe mode would skip the file without a word.
      content: `from airflow.sdk import DAG\n\nraise RuntimeError("smelter test: deliberately broken ${suffix}")\n`,
      dagIds: [dagId],
    };
    written.push(file.fileName);
    await assert.rejects(publisher.publishFile(file, { timeoutMs: 240_000 }), (error: unknown) => {
      assert.ok(error instanceof DagImportError);
      assert.match(error.stackTrace, new RegExp(`RuntimeError: smelter test: deliberately broken ${suffix}`));
      assert.equal(error.retryable, false);
      return true;
    });
    const afterwards = (await client.listDags()).map((d) => d.dag_id).sort();
    assert.deepEqual(
      afterwards.filter((id) => !id.includes(suffix)),
      before.filter((id) => !id.includes(suffix)),
    );
  });

  test("retiring a file deletes its DAGs only once Airflow has marked them stale", async () => {
    const dagId = `smelter_test_retired_${suffix}`;
    const file = { fileName: `${dagId}.py`, content: goodDag(dagId), dagIds: [dagId] };
    written.push(file.fileName);
    await publisher.publishFile(file, { unpause: true, timeoutMs: 240_000 });
    // The real client, recording what Airflow says of each DAG just before it is deleted.
    const seen: (boolean | undefined)[] = [];
    const recording = new (class extends AirflowClient {
      override async deleteDag(id: string): Promise<boolean> {
        seen.push((await this.getDag(id))?.is_stale);
        return super.deleteDag(id);
      }
    })({
      url: url ?? "",
      user: process.env.SMELTER_AIRFLOW_USER ?? "admin",
      password: process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
    });
    const lines: string[] = [];
    const retired = await new Publisher(recording, new LocalDagFolder(folder)).retire(
      [{ fileName: file.fileName, dagIds: [dagId] }],
      [],
      (line) => lines.push(line),
      120_000,
    );
    assert.deepEqual(retired, [{ fileName: file.fileName, dagIds: [dagId] }]);
    assert.deepEqual(seen, [true], "deleted while Airflow still listed it as live");
    assert.equal(await client.getDag(dagId), undefined);
    assert.deepEqual(lines, [`removed ${join(folder, file.fileName)}`, `deleted ${dagId} from Airflow`]);
  });

  test("a sweep deletes a pipeline's stale DAGs that no file defines, and leaves its kept and live ones", async () => {
    const pipeline = `it_sweep_${suffix}`;
    const kept = `smelter__${pipeline}`;
    const left = `smelter__${pipeline}__p9`;
    const other = `smelter__${pipeline}x`;
    const files = [kept, left, other].map((id) => ({
      fileName: `${id}.py`,
      content: goodDag(id),
      dagIds: [id],
    }));
    written.push(...files.map((f) => f.fileName));
    for (const file of files) await publisher.publishFile(file, { timeoutMs: 240_000 });
    assert.deepEqual(await publisher.sweep(pipeline, [kept]), [], "a DAG whose file is there is not deleted");
    // As a retirement that timed out leaves it: the file gone, the DAG still in Airflow until it is marked stale.
    await rm(join(folder, `${left}.py`));
    await rm(join(folder, `${other}.py`));
    for (let i = 0; i < 120 && !(await client.getDag(left))?.is_stale; i++) await sleep(1000);
    for (let i = 0; i < 120 && !(await client.getDag(other))?.is_stale; i++) await sleep(1000);
    const lines: string[] = [];
    assert.deepEqual(await publisher.sweep(pipeline, [kept], (l) => lines.push(l)), [
      { fileName: `${left}.py`, dagIds: [left] },
    ]);
    assert.deepEqual(lines, [`deleted ${left} from Airflow (its file was removed earlier)`]);
    assert.equal(await client.getDag(left), undefined);
    assert.ok(await client.getDag(kept), "a DAG a file still defines stays");
    assert.ok(await client.getDag(other), "another pipeline's DAG (whose name only starts alike) stays");
    await client.deleteDag(other);
  });

  test("a file Airflow's safe mode would skip is refused before anything is written", async () => {
    const file = { fileName: `smelter_test_plain_${suffix}.py`, content: "x = 1\n", dagIds: ["x"] };
    await assert.rejects(publisher.publishFile(file), /DAG discovery safe mode skips/);
    await assert.rejects(readFile(join(folder, file.fileName)), /ENOENT/);
  });

  test("errors name the endpoint and Airflow's message", async () => {
    await assert.rejects(
      client.triggerRun(`smelter_no_such_dag_${suffix}`),
      /Airflow POST \/api\/v[12]\/dags\/.+\/dagRuns: 404/,
    );
  });
});
