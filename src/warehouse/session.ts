import type { BronzeLoad, ChangeFeed, SilverTarget, StepHooks, WarehouseSession } from "./types.ts";

type Operation<K extends keyof WarehouseSession, C> = (
  client: C,
  ...args: Parameters<WarehouseSession[K]>
) => ReturnType<WarehouseSession[K]>;

/** A warehouse's silver, retention and metadata operations, as its modules export them (client first). */
export interface WarehouseOperations<C> {
  ensureMetadata: Operation<"ensureMetadata", C>;
  applySilver: Operation<"applySilver", C>;
  rebuildSilver: Operation<"rebuildSilver", C>;
  pruneChangeFeed: Operation<"pruneChangeFeed", C>;
  maintain: Operation<"maintain", C>;
  columns: Operation<"columns", C>;
}

/** How errors name a group of batches: `bronze table <schema>.<table>, batch <first>[..<last>]`. */
export function bronzeWhere(load: BronzeLoad): string {
  const ids = load.batches.map((b) => b.batchId);
  return `bronze table ${load.schema}.${load.table.name}, batch ${ids[0]}${ids.length > 1 ? `..${ids.at(-1)}` : ""}`;
}

/**
 * What every warehouse's session does the same way: it runs each operation on its one client and turns what
 * fails into a SmelterError placed at the warehouse and the table or model (`warehouse <name>, <where>`). A
 * warehouse passes its operations and says how its errors are read (`placeError`); it writes bronze, reads
 * checkpoints and closes in its own way.
 */
export abstract class PlacingSession<C> implements WarehouseSession {
  constructor(
    protected readonly client: C,
    private readonly name: string,
    private readonly operations: WarehouseOperations<C>,
  ) {}

  /** The SmelterError for what the warehouse threw at `where` (warehouse and object). */
  protected abstract placeError(error: unknown, where: string): Error;

  /** Runs `work`, placing its failure at `where` (the table, batch or model). */
  protected async run<T>(where: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.placeError(error, `warehouse ${this.name}, ${where}`);
    }
  }

  abstract checkpointedBatches(
    pipeline: string,
    schema: string,
    table: string,
  ): ReturnType<WarehouseSession["checkpointedBatches"]>;
  abstract applyBronze(load: BronzeLoad, hooks: StepHooks): ReturnType<WarehouseSession["applyBronze"]>;
  abstract metadataTables(): ReturnType<WarehouseSession["metadataTables"]>;
  abstract close(): Promise<void>;

  ensureMetadata() {
    return this.run("metadata schema _smelter", () => this.operations.ensureMetadata(this.client));
  }

  applySilver(target: SilverTarget, hooks: StepHooks) {
    return this.run(`silver model ${target.silverSchema}.${target.model.name}`, () =>
      this.operations.applySilver(this.client, target, hooks),
    );
  }

  rebuildSilver(target: SilverTarget) {
    return this.run(`rebuilding silver model ${target.silverSchema}.${target.model.name}`, () =>
      this.operations.rebuildSilver(this.client, target),
    );
  }

  columns(schema: string, table: string) {
    return this.run(`columns of ${schema}.${table}`, () =>
      this.operations.columns(this.client, schema, table),
    );
  }

  pruneChangeFeed(feed: ChangeFeed, options?: { keepLast?: number }) {
    return this.run(`change feed of ${feed.schema}.${feed.table}`, () =>
      this.operations.pruneChangeFeed(this.client, feed, options),
    );
  }

  maintain(...args: Parameters<WarehouseSession["maintain"]>) {
    const [schema, table] = args;
    return this.run(`maintenance of ${schema}.${table}`, () =>
      this.operations.maintain(this.client, ...args),
    );
  }
}
