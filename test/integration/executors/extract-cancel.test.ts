import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancelledError } from "../../../src/errors.ts";
import { extract } from "../../../src/executors/extract/index.ts";
import { listManifestIds, openLandingZone } from "../../../src/landing/index.ts";
import { resolveLanding } from "../../../src/spec/resolve.ts";
import { context, localPartsSpec, missingStack, sequenceTable } from "./extract-helpers.ts";

const skip = missingStack("SMELTER_MARIADB_URL");
const ROWS = 100_000;

describe("a cancelled extraction", { skip: skip ?? false }, () => {
  const table = sequenceTable("cancel", ROWS);

  it("stops mid-read with a CancelledError, writes no manifest, and the next run lands everything", async () => {
    const spec = await localPartsSpec(table);
    const controller = new AbortController();
    const ctx = context(spec, controller.signal);
    const log = ctx.log.info;
    ctx.log.info = (m) => {
      log(m);
      if (m.includes("landed part 1 ")) controller.abort();
    };
    await assert.rejects(extract({ pipeline: spec.name, step: "extract", table }, ctx), CancelledError);
    const zone = openLandingZone(resolveLanding(spec, "landing", ctx.env));
    assert.deepEqual(await listManifestIds(zone, spec.name, table), []);

    const metrics = await extract({ pipeline: spec.name, step: "extract", table }, context(spec));
    assert.equal(metrics.rowsLanded, ROWS);
  });
});
