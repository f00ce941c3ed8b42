import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { after, describe, test } from "node:test";
import { AirflowClient } from "../../../src/airflow/client.ts";
import { generateDags, publishPipeline } from "../../../src/airflow/pipelines.ts";
import { LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";
import { parsePipeline } from "../../../src/registry.ts";

/*
 * A pipeline with assets that becomes split by source, then unsplit again, published to the real Airflow: the
 * silver DAG changes file each time and is never defined by two files, the DAGs no file defines any more are
 * deleted, and the others stay registered. No task runs here.
 */

const url = process.env.SMELTER_AIRFLOW_URL;
const folder = process.env.SMELTER_DAGS_FOLDER ?? "dags-out";
const skip = url ? false : "SMELTER_AIRFLOW_URL is not set (source the stack's stack.env)";

describe("publishing a pipeline that becomes split, and unsplit again", { skip }, () => {
  const client = new AirflowClient({
    url: url ?? "",
    user: process.env.SMELTER_AIRFLOW_USER ?? "admin",
    password: process.env.SMELTER_AIRFLOW_PASSWORD ?? "admin",
  });
  const publisher = new Publisher(client, new LocalDagFolder(folder));
  const name = `it_split_${randomBytes(3).toString("hex")}`;
  const main = `smelter__${name}`;
  const silver = `smelter__${name}__silver`;
  const eu = `smelter__${name}__src__crm_eu`;
  const us = `smelter__${name}__src__crm_us`;
  after(async () => {
    const files = await publisher.staleFiles(name, []);
    await publisher.retire([...files, { fileName: `${main}.py`, dagIds: [main, silver, eu, us] }], []);
  });

  const pipeline = async (split: boolean) => {
    const text = (await readFile("test/fixtures/split/crm_assets.yaml", "utf8"))
      .replace("name: crm", `name: ${name}`)
      .replace("  split: { by: source }\n", split ? "  split: { by: source }\n" : "");
    return parsePipeline(text, "crm.yaml");
  };
  const publish = async (split: boolean) => {
    const loaded = await pipeline(split);
    return publishPipeline(publisher, undefined, loaded, generateDags(loaded), { timeoutMs: 240_000 });
  };
  const fileOf = async (dagId: string) => (await client.getDag(dagId))?.fileloc?.split("/").pop();
  const files = async () => (await readdir(folder)).filter((f) => f.startsWith(main)).sort();

  test("one file with the main and silver DAGs", async () => {
    const { removed } = await publish(false);
    assert.deepEqual(removed, []);
    assert.deepEqual(await files(), [`${main}.py`]);
    assert.equal(await fileOf(silver), `${main}.py`);
  });

  test("split by source: a file per source and one for silver; the main DAG is deleted, silver moved", async () => {
    const { published, removed } = await publish(true);
    assert.deepEqual(
      published.map((p) => p.fileName),
      [`${eu}.py`, `${us}.py`, `${silver}.py`],
    );
    assert.deepEqual(removed, [{ fileName: `${main}.py`, dagIds: [main] }]);
    assert.deepEqual(await files(), [`${eu}.py`, `${us}.py`, `${silver}.py`].sort());
    assert.equal(await client.getDag(main), undefined, "the main DAG is deleted");
    assert.equal(await fileOf(silver), `${silver}.py`, "the silver DAG is registered from its own file");
    assert.equal(await fileOf(eu), `${eu}.py`);
  });

  test("unsplit again: the parts are deleted and the silver DAG moves back into the pipeline's file", async () => {
    const { removed } = await publish(false);
    assert.deepEqual(removed, [
      { fileName: `${silver}.py`, dagIds: [] },
      { fileName: `${eu}.py`, dagIds: [eu] },
      { fileName: `${us}.py`, dagIds: [us] },
    ]);
    assert.deepEqual(await files(), [`${main}.py`]);
    assert.equal(await client.getDag(eu), undefined);
    assert.equal(await client.getDag(us), undefined);
    assert.equal(await fileOf(silver), `${main}.py`);
    assert.equal(await fileOf(main), `${main}.py`);
  });
});
