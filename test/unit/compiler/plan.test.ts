import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { planPipeline } from "../../../src/compiler/plan.ts";
import { loadPipeline } from "../../../src/registry.ts";

const edges = (tasks: { taskId: string; upstream: string[] }[]) =>
  tasks.flatMap((t) => t.upstream.map((u) => `${u} -> ${t.taskId}`));

describe("planning", () => {
  test("a task per table runs extract then bronze, and silver after the bronze of its table", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const plan = planPipeline({ ...spec, airflow: { ...spec.airflow, assets: false } });
    assert.equal(plan.dags.length, 1);
    const [dag] = plan.dags;
    assert.equal(dag!.dagId, "smelter__social");
    assert.equal(dag!.tasks.length, 12);
    assert.ok(edges(dag!.tasks).includes("extract__posts -> bronze__posts"));
    assert.ok(edges(dag!.tasks).includes("bronze__posts -> silver__posts_flat"));
    assert.ok(edges(dag!.tasks).includes("bronze__accounts -> silver__accounts_history"));
    assert.deepEqual(plan.assets, []);
  });

  test("assets put silver in a second DAG scheduled on the bronze Assets it reads", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const plan = planPipeline(spec);
    assert.deepEqual(
      plan.dags.map((d) => d.dagId),
      ["smelter__social", "smelter__social__silver"],
    );
    const [main, silver] = plan.dags;
    assert.deepEqual(silver!.schedule, { kind: "assets", tables: ["posts", "accounts"] });
    assert.ok(silver!.tasks.every((t) => t.upstream.length === 0));
    assert.deepEqual(main?.tasks.find((t) => t.taskId === "bronze__posts")?.outlets, ["bronze/posts"]);
    assert.deepEqual(plan.assets[0], {
      layer: "bronze",
      table: "posts",
      key: "bronze/posts",
      uri: "smelter://social/bronze/posts",
      name: "smelter_social_bronze_posts",
    });
  });

  test("assets make each silver model an Asset that its silver task updates", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const plan = planPipeline(spec);
    const silver = plan.dags.find((d) => d.role === "silver");
    assert.deepEqual(
      silver?.tasks.map((t) => [t.taskId, t.outlets]),
      spec.silver.map((m) => [`silver__${m.name}`, [`silver/${m.name}`]]),
    );
    const models = plan.assets.filter((a) => a.layer === "silver");
    assert.deepEqual(
      models.map((a) => a.table),
      spec.silver.map((m) => m.name),
    );
    assert.deepEqual(models[0], {
      layer: "silver",
      table: spec.silver[0]!.name,
      key: `silver/${spec.silver[0]!.name}`,
      uri: `smelter://social/silver/${spec.silver[0]!.name}`,
      name: `smelter_social_silver_${spec.silver[0]!.name}`,
    });
    // Extract tasks update nothing; without assets no task updates anything.
    assert.ok(plan.dags[0]!.tasks.filter((t) => t.step === "extract").every((t) => t.outlets.length === 0));
    const without = planPipeline({ ...spec, airflow: { ...spec.airflow, assets: false } });
    assert.ok(without.dags.every((d) => d.tasks.every((t) => t.outlets.length === 0)));
  });

  test("layout table gives one chained task per table, with its silver models inside it", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/per_table.yaml");
    const plan = planPipeline(spec);
    assert.equal(plan.dags.length, 1);
    assert.deepEqual(
      plan.dags[0]!.tasks.map((t) => [t.taskId, t.step, t.table, t.upstream, t.chain]),
      [
        ["table__orders", "extract", "orders", [], true],
        ["table__customers", "extract", "customers", [], true],
      ],
    );
  });

  test("the social spec with layout table keeps no silver task of its own", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/social.yaml");
    const plan = planPipeline({ ...spec, airflow: { ...spec.airflow, assets: false, layout: "table" } });
    const ids = plan.dags[0]!.tasks.map((t) => t.taskId);
    assert.ok(
      ids.every((id) => id.startsWith("table__")),
      ids.join(", "),
    );
    assert.equal(ids.length, spec.tables.length);
    assert.deepEqual(edges(plan.dags[0]!.tasks), []);
  });

  test("a task per source gives one extract and one bronze task per source", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/per_source.yaml");
    const [dag] = planPipeline(spec).dags;
    assert.deepEqual(
      dag!.tasks.map((t) => [t.taskId, t.step, t.source ?? t.table]),
      [
        ["extract__src__crm_eu", "extract", "crm_eu"],
        ["bronze__src__crm_eu", "bronze", "crm_eu"],
        ["extract__src__crm_us", "extract", "crm_us"],
        ["bronze__src__crm_us", "bronze", "crm_us"],
        ["silver__contacts", "silver", "contacts"],
      ],
    );
    assert.ok(edges(dag!.tasks).includes("bronze__src__crm_eu -> silver__contacts"));
  });

  test("per-source bronze tasks emit the Assets of all their tables", async () => {
    const { spec } = await loadPipeline("test/fixtures/specs/per_source.yaml");
    const plan = planPipeline({ ...spec, airflow: { ...spec.airflow, assets: true } });
    const bronze = plan.dags[0]?.tasks.find((t) => t.taskId === "bronze__src__crm_eu");
    assert.deepEqual(bronze?.outlets, ["bronze/eu_contacts", "bronze/eu_deals"]);
    assert.deepEqual(plan.dags[1]!.schedule, { kind: "assets", tables: ["eu_contacts"] });
  });
});
