import type { SourceDriver } from "../types.ts";
import { binlog } from "./binlog.ts";
import { capabilities } from "./capabilities.ts";
import { openMariadbSnapshot } from "./read.ts";
import { mapMariadbColumn } from "./types.ts";

/** MariaDB and MySQL (the same wire protocol and catalog). */
export const mariadb: SourceDriver = {
  kind: "mariadb",
  capabilities,
  lineage: { scheme: "mysql", databaseInName: false },
  mapColumn: (column, { where, timezone, override }) => mapMariadbColumn(column, where, timezone, override),
  openSnapshot: openMariadbSnapshot,
  changeLog: binlog,
};
