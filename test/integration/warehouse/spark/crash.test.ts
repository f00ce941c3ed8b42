import { after } from "node:test";
import type { SuiteContext } from "../harness.ts";
import { crashSuite } from "../suite/crash.ts";
import { SPARK_SKIPS, SparkHarness } from "./harness.ts";

/** The shared crash-safety suite on Delta Lake (the rest of the shared suite is in ../spark.test.ts). */
const ctx: SuiteContext = { harness: new SparkHarness(), rounds: 4, skips: SPARK_SKIPS };

crashSuite(ctx);
after(() => ctx.harness.close());
