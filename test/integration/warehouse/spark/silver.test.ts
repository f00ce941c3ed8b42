import { after } from "node:test";
import type { SuiteContext } from "../harness.ts";
import { maintenanceSuite } from "../suite/maintenance.ts";
import { silverSuite } from "../suite/silver.ts";
import { SPARK_SKIPS, SparkHarness } from "./harness.ts";

/**
 * The shared silver suite on Delta Lake (bronze is in ../spark.test.ts, crash safety in ./crash.test.ts). Delta's
 * change feed is not read across a type change: after bronze widens a column, its silver models are rebuilt.
 */
const ctx: SuiteContext = {
  harness: new SparkHarness(),
  rounds: 3,
  skips: SPARK_SKIPS,
  rebuildAfterTypeChange: true,
};

silverSuite(ctx);
maintenanceSuite(ctx);
after(() => ctx.harness.close());
