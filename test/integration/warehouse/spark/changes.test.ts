import { after } from "node:test";
import type { SuiteContext } from "../harness.ts";
import { changesSuite } from "../suite/changes.ts";
import { SPARK_SKIPS, SparkHarness } from "./harness.ts";

/** The shared change-batch suite (`mode: cdc`) on Delta Lake: every round of changes is a Delta commit of seconds. */
const ctx: SuiteContext = { harness: new SparkHarness(), rounds: 2, skips: SPARK_SKIPS };

changesSuite(ctx);
after(() => ctx.harness.close());
