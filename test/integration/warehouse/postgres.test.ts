import { after } from "node:test";
import type { SuiteContext } from "./harness.ts";
import { PostgresHarness } from "./postgres/harness.ts";
import { bronzeSuite } from "./suite/bronze.ts";
import { changesSuite } from "./suite/changes.ts";
import { crashSuite } from "./suite/crash.ts";
import { maintenanceSuite } from "./suite/maintenance.ts";
import { silverSuite } from "./suite/silver.ts";
import { typesSuite } from "./suite/types.ts";

/** The shared warehouse suite on the stack's PostgreSQL: it skips nothing. */
const ctx: SuiteContext = { harness: new PostgresHarness(), skips: {} };

bronzeSuite(ctx);
changesSuite(ctx);
silverSuite(ctx);
crashSuite(ctx);
maintenanceSuite(ctx);
typesSuite(ctx);
// After the suites' own hooks, which drop their pipelines through the harness.
after(() => ctx.harness.close());
