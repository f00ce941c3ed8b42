import type { DatabaseKind } from "../spec/types.ts";
import { mariadb } from "./mariadb/index.ts";
import { postgres } from "./postgres/index.ts";
import type { SourceDriver } from "./types.ts";

/** Source drivers by connection kind; MySQL shares MariaDB's driver. */
export const sources: Record<DatabaseKind, SourceDriver> = { mariadb, mysql: mariadb, postgres };

export type { ColumnMapping, SourceColumn, SourceDriver, SourceSnapshot } from "./types.ts";
