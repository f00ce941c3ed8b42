import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AirflowClient } from "../../../src/airflow/client.ts";
import { generateDags } from "../../../src/airflow/pipelines.ts";
import { LocalDagFolder, Publisher } from "../../../src/airflow/publisher.ts";
import { loadPipeline } from "../../../src/registry.ts";

// Listing stale files reads only the DAGs folder: the client is never called.
const unused = new AirflowClient({ url: "http://127.0.0.1:9", user: "-", password: "-" });

test("the stale files of a pipeline are its generated files the spec no longer makes, with their DAG ids", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smelter-stale-"));
  try {
    const publisher = new Publisher(unused, new LocalDagFolder(dir));
    const shop = await loadPipeline("test/fixtures/split/shop.yaml");
    const files = generateDags(shop);
    for (const f of files) await writeFile(join(dir, f.fileName), f.content);
    // A part of an earlier, larger split, and the pipeline's file from before it was split.
    const p0 = files[0]!.content;
    await writeFile(
      join(dir, "smelter__shop__p7.py"),
      p0.replaceAll("smelter__shop__p0", "smelter__shop__p7"),
    );
    await writeFile(join(dir, "smelter__shop.py"), p0.replaceAll("smelter__shop__p0", "smelter__shop"));
    // Not stale: another pipeline's file, a file written by hand under a matching name, a non-Python file.
    await writeFile(join(dir, "smelter__shopping__p0.py"), p0.replaceAll("shop", "shopping"));
    await writeFile(join(dir, "smelter__shop__mine.py"), "from airflow.sdk import DAG\n");
    await writeFile(join(dir, "smelter__shop__p8.py.bak"), p0);

    const stale = await publisher.staleFiles(
      "shop",
      files.map((f) => f.fileName),
    );
    assert.deepEqual(stale, [
      { fileName: "smelter__shop.py", dagIds: ["smelter__shop"] },
      { fileName: "smelter__shop__p7.py", dagIds: ["smelter__shop__p7"] },
    ]);
    assert.deepEqual(
      await publisher.staleFiles("shop", [
        ...files.map((f) => f.fileName),
        "smelter__shop.py",
        "smelter__shop__p7.py",
      ]),
      [],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an empty or missing DAGs folder has no stale file", async () => {
  const publisher = new Publisher(unused, new LocalDagFolder(join(tmpdir(), "smelter-no-such-folder-x")));
  assert.deepEqual(await publisher.staleFiles("shop", []), []);
});
