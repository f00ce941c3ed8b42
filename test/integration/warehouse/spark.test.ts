import { after } from "node:test";
import type { SuiteContext } from "./harness.ts";
import { SPARK_SKIPS, SparkHarness } from "./spark/harness.ts";
import { bronzeSuite } from "./suite/bronze.ts";
import { silverSuite } from "./suite/silver.ts";

/**
 * The shared warehouse suite on Delta Lake, through the stack's Spark Thrift server (scripts/stack up spark).
 * Crash safety runs from spark/crash.test.ts: a file's tests must end within the runner's per-file timeout, and
 * every Spark commit takes seconds.
 */
const ctx: SuiteContext = { harness: new SparkHarness(), rounds: 4, skips: SPARK_SKIPS };

bronzeSuite(ctx);
silverSuite(ctx);
// After the suites' own hooks, which drop their pipelines through the harness.
after(() => ctx.harness.close());
