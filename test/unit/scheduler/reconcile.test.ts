import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256 } from "../../../src/airflow/publisher.ts";
import { describeDrift, driftOf } from "../../../src/scheduler/reconcile.ts";
import type { PublishedDag } from "../../../src/state/published-dags.ts";

const generated = { fileName: "smelter__social.py", dagIds: ["smelter__social"], content: "# v2\n" };
const recorded = (content: string): PublishedDag => ({
  dagFile: "smelter__social.py",
  pipeline: "social",
  contentHash: sha256(content),
  specHash: "s",
  dagIds: ["smelter__social"],
  publishedAt: "2026-11-21T10:00:00.000Z",
});

test("a file published as generated, on disk and in Airflow has no drift", () => {
  assert.deepEqual(
    driftOf({ generated, recorded: recorded("# v2\n"), onDisk: "# v2\n", missingDagIds: [] }),
    [],
  );
});

test("a spec changed since the last publish is reported with the publish time", () => {
  const drift = driftOf({ generated, recorded: recorded("# v1\n"), onDisk: "# v1\n", missingDagIds: [] });
  assert.deepEqual(drift, [{ kind: "spec-changed", publishedAt: "2026-11-21T10:00:00.000Z" }]);
  assert.match(describeDrift("smelter__social.py", drift[0]!), /spec changed since it was published at/);
});

test("a file edited by hand and a DAG missing in Airflow are each reported", () => {
  const drift = driftOf({
    generated,
    recorded: recorded("# v2\n"),
    onDisk: "# v2\n# edited\n",
    missingDagIds: ["smelter__social"],
  });
  assert.deepEqual(
    drift.map((d) => d.kind),
    ["file-edited", "dag-missing"],
  );
});

test("a file never recorded counts as published when the folder holds exactly the generated content", () => {
  assert.deepEqual(driftOf({ generated, recorded: undefined, onDisk: "# v2\n", missingDagIds: [] }), []);
  assert.deepEqual(
    driftOf({ generated, recorded: undefined, onDisk: undefined, missingDagIds: ["smelter__social"] }).map(
      (d) => d.kind,
    ),
    ["never-published", "file-missing", "dag-missing"],
  );
});
