import { after } from "node:test";
import { Fixture } from "../fixture.ts";
import type { SuiteContext } from "../harness.ts";

/** Fixtures on the suite's warehouse, dropped after the file's tests. */
export function fixtures(
  ctx: SuiteContext,
): (...args: Parameters<typeof Fixture.create>) => Promise<Fixture> {
  const made: Fixture[] = [];
  after(async () => {
    for (const fx of made) await fx.close();
  });
  return async (table, models, options = {}) => {
    const fx = await Fixture.create(table, models, { ...options, warehouse: ctx.harness });
    made.push(fx);
    return fx;
  };
}
