import type { SourceDriver } from "../types.ts";
import { capabilities } from "./capabilities.ts";
import { openPostgresSnapshot } from "./read.ts";
import { replication } from "./replication.ts";
import { mapPostgresColumn } from "./types.ts";

/** PostgreSQL as a source. */
export const postgres: SourceDriver = {
  kind: "postgres",
  capabilities,
  lineage: { scheme: "postgres", databaseInName: true, defaultSchema: "public" },
  mapColumn: (column, { where }) => mapPostgresColumn(column, where),
  openSnapshot: openPostgresSnapshot,
  changeLog: replication,
};
