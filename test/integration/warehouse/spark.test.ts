import { after } from "node:test";
import type { SuiteContext } from "./harness.ts";
import { SparkHarness } from "./spark/harness.ts";
import { bronzeSuite } from "./suite/bronze.ts";
import { crashSuite } from "./suite/crash.ts";
import { silverSuite } from "./suite/silver.ts";

/** The shared warehouse suite on Delta Lake, through the stack's Spark Thrift server (scripts/stack up spark). */
const ctx: SuiteContext = {
  harness: new SparkHarness(),
  rounds: 4,
  skips: {
    "a row moving to another list partition is one update with its pre- and post-image":
      "Delta tables are not partitioned (capabilities.partitioning is empty): liquid clustering (cluster_by) orders them instead",
  },
};

bronzeSuite(ctx);
silverSuite(ctx);
crashSuite(ctx);
// After the suites' own hooks, which drop their pipelines through the harness.
after(() => ctx.harness.close());
