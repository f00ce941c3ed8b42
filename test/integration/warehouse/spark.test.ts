import { after } from "node:test";
import type { SuiteContext } from "./harness.ts";
import { SPARK_SKIPS, SparkHarness } from "./spark/harness.ts";
import { bronzeSuite } from "./suite/bronze.ts";
import { typesSuite } from "./suite/types.ts";

/**
 * The shared warehouse suite on Delta Lake, through the stack's Spark Thrift server (scripts/stack up spark): bronze
 * here, silver in spark/silver.test.ts, crash safety in spark/crash.test.ts. Every Spark commit takes seconds, and
 * each test must end within the runner's per-test timeout (10 minutes in scripts/test). Two randomized rounds: a
 * first load, then a MERGE of inserts, updates, deletes and re-deliveries, each compared with the source through
 * silver (PostgreSQL runs eight).
 */
const ctx: SuiteContext = { harness: new SparkHarness(), rounds: 2, skips: SPARK_SKIPS };

bronzeSuite(ctx);
typesSuite(ctx);
// After the suites' own hooks, which drop their pipelines through the harness.
after(() => ctx.harness.close());
