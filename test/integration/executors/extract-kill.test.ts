import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extract } from "../../../src/executors/extract/index.ts";
import { listManifests, openLandingZone } from "../../../src/landing/index.ts";
import type { BatchManifest } from "../../../src/landing/types.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import { context, killedExtract, localPartsSpec, missingStack, sequenceTable } from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL");
const ROWS = 200_000;

describe("a killed extraction", { skip: skip ?? false }, () => {
  const table = sequenceTable("kill", ROWS);

  it("leaves parts but no manifest, and the retry lands every row once", async () => {
    const spec = await localPartsSpec(table);
    await killedExtract(spec, { when: (log) => log.includes("landed part 2") });

    const ctx = context(spec);
    const zone = openLandingZone(resolveLanding(spec, "landing", ctx.env));
    const orphans: string[] = [];
    for await (const f of zone.list(`${spec.name}/${table}/`)) orphans.push(f.key);
    assert.ok(
      orphans.some((k) => k.endsWith("part-00001.parquet")),
      "parts of the killed run were uploaded",
    );
    assert.ok(!orphans.some((k) => k.includes("_manifests/")), "no manifest for the killed run");

    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, ctx);
    assert.equal(metrics.rowsLanded, ROWS);
    const manifests: BatchManifest[] = [];
    for await (const m of listManifests(zone, spec.name, table)) manifests.push(m);
    // The first run is a chunked initial load: its chunks, each landed once, the last one with the key set.
    assert.deepEqual(
      manifests.map((m) => m.chunk?.index),
      [...manifests.keys()],
    );
    assert.equal(manifests.at(-1)?.chunk?.last, true);
    assert.equal(
      manifests.reduce((n, m) => n + m.rows, 0),
      ROWS,
    );
    assert.equal(
      manifests.reduce((n, m) => n + m.files.reduce((k, f) => k + f.rows, 0), 0),
      ROWS,
    );
  });
});
