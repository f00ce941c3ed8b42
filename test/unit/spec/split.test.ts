import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePipeline } from "../../../src/registry.ts";
import { formatProblem, SpecErrors } from "../../../src/spec/problems.ts";

const BASE = `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: 127.0.0.1, database: shop, user: u, password: { env: SHOP_PW } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables: [{ name: a, primary_key: [id], mode: full, source: shop_db }]
`;

/** The formatted problems of a spec that must fail. */
function problems(text: string): string[] {
  try {
    parsePipeline(text, "spec.yaml");
  } catch (error) {
    assert.ok(error instanceof SpecErrors, String(error));
    return error.problems.map(formatProblem);
  }
  assert.fail("the spec loaded without problems");
}

describe("airflow.split", () => {
  test("loads as a hash split of N parts or a split by source; absent, the pipeline is one DAG", () => {
    const airflow = (block: string) => parsePipeline(`${BASE}${block}`, "spec.yaml").spec.airflow.split;
    assert.deepEqual(airflow("airflow: { split: { by: hash, parts: 4 } }\n"), { by: "hash", parts: 4 });
    assert.deepEqual(airflow("airflow: { split: { parts: 3 } }\n"), { by: "hash", parts: 3 });
    assert.deepEqual(airflow("airflow: { split: { by: source } }\n"), { by: "source" });
    assert.equal(airflow(""), null);
  });

  test("a hash split without parts names what is missing", () => {
    assert.deepEqual(problems(`${BASE}airflow: { split: { by: hash } }\n`), [
      "spec.yaml:10:19 airflow.split: by: hash needs parts: N (how many DAGs, 2 to 100)",
    ]);
  });

  test("parts out of range and unknown keys are schema errors at the key", () => {
    assert.deepEqual(problems(`${BASE}airflow: { split: { parts: 1 } }\n`), [
      "spec.yaml:10:28 airflow.split.parts: must be >= 2",
    ]);
    assert.deepEqual(problems(`${BASE}airflow: { split: { by: table } }\n`), [
      'spec.yaml:10:25 airflow.split.by: must be one of: "hash", "source"',
    ]);
    assert.deepEqual(problems(`${BASE}airflow: { split: { max_tables: 100 } }\n`), [
      'spec.yaml:10:21 airflow.split.max_tables: unknown property "max_tables"',
    ]);
  });

  test("parts with a split by source is refused", () => {
    assert.deepEqual(problems(`${BASE}airflow: { split: { by: source, parts: 2 } }\n`), [
      "spec.yaml:10:40 airflow.split.parts: only applies to by: hash (by: source makes one part per source)",
    ]);
  });

  test("a task per source cannot be spread over several DAGs by hash", () => {
    assert.deepEqual(problems(`${BASE}airflow: { granularity: source, split: { parts: 2 } }\n`), [
      "spec.yaml:10:40 airflow.split: granularity: source runs every table of a source in one task, which by: hash would spread over several DAGs; use split: { by: source }",
    ]);
    assert.deepEqual(problems(`${BASE}airflow: { granularity: source, split: { by: hash, parts: 2 } }\n`), [
      "spec.yaml:10:46 airflow.split.by: granularity: source runs every table of a source in one task, which by: hash would spread over several DAGs; use split: { by: source }",
    ]);
    const { spec } = parsePipeline(
      `${BASE}airflow: { granularity: source, split: { by: source } }\n`,
      "spec.yaml",
    );
    assert.deepEqual(spec.airflow.split, { by: "source" });
  });
});
