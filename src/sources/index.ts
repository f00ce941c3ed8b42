import { ConfigError } from "../errors.ts";
import type { DatabaseKind } from "../spec/types.ts";
import { mariadb } from "./mariadb/index.ts";
import { postgres } from "./postgres/index.ts";
import type { SourceDriver } from "./types.ts";

/** Source drivers by connection kind; MySQL shares MariaDB's driver. */
export const sources: Partial<Record<DatabaseKind, SourceDriver>> = { mariadb, mysql: mariadb, postgres };

/** The driver of a kind; a ConfigError for kinds smelter cannot read from (the spec checks refuse them first). */
export function sourceDriver(kind: DatabaseKind): SourceDriver {
  const driver = sources[kind];
  if (!driver) {
    throw new ConfigError(
      `${kind} is not a source smelter reads from (sources: ${Object.keys(sources).join(", ")})`,
    );
  }
  return driver;
}

export type { ColumnMapping, SourceColumn, SourceDriver, SourceSnapshot } from "./types.ts";
