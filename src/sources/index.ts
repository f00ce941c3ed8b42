import type { DatabaseKind } from "../spec/types.ts";
import { mariadb } from "./mariadb/index.ts";
import { postgres } from "./postgres/index.ts";
import type { SourceDriver } from "./types.ts";

/**
 * Source drivers by connection kind; MySQL shares MariaDB's driver. `spark` is a warehouse only: it is not a key
 * here, so the spec checks (which take the source kinds from these keys) refuse it as a source, and a lookup by a
 * checked source connection's kind never misses.
 */
export const sources = { mariadb, mysql: mariadb, postgres } as Record<DatabaseKind, SourceDriver>;

export type { ColumnMapping, SourceColumn, SourceDriver, SourceSnapshot } from "./types.ts";
