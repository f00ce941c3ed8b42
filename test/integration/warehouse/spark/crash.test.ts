import { after } from "node:test";
import type { SuiteContext } from "../harness.ts";
import { crashSuite } from "../suite/crash.ts";
import { SPARK_SKIPS, SparkHarness } from "./harness.ts";

/** The shared crash-safety suite on Delta Lake (bronze is in ../spark.test.ts, silver in ./silver.test.ts). */
const ctx: SuiteContext = { harness: new SparkHarness(), rounds: 4, skips: SPARK_SKIPS };

crashSuite(ctx);
after(() => ctx.harness.close());
