import type { AirflowClient } from "../airflow/client.ts";
import {
  type GeneratedDag,
  generateDags,
  publishRecorded,
  releaseMoved,
  retireStale,
} from "../airflow/pipelines.ts";
import { type Publisher, sha256 } from "../airflow/publisher.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import type { PublishedDag, PublishedDags } from "../state/published-dags.ts";
import type { Job } from "./index.ts";

/** How long reconcile waits for Airflow to register a republished file, or to mark a removed one's DAGs stale. */
const RECONCILE_WAIT_MS = 120_000;

/** One way a published DAG file differs from what it should be. */
export type Drift =
  | { kind: "never-published" }
  | { kind: "spec-changed"; publishedAt: string }
  | { kind: "file-missing" }
  | { kind: "file-edited" }
  | { kind: "dag-missing"; dagIds: string[] };

/**
 * Compares a generated file with its publish record, the file on disk and the DAGs Airflow has. A file that
 * was never recorded but is on disk with the generated content counts as published (it predates the record).
 */
export function driftOf(input: {
  generated: Pick<GeneratedDag, "content">;
  recorded: PublishedDag | undefined;
  onDisk: string | undefined;
  missingDagIds: string[];
}): Drift[] {
  const generatedHash = sha256(input.generated.content);
  const diskHash = input.onDisk === undefined ? undefined : sha256(input.onDisk);
  const drift: Drift[] = [];
  const published = input.recorded?.contentHash ?? (diskHash === generatedHash ? diskHash : undefined);
  if (published === undefined) drift.push({ kind: "never-published" });
  else if (published !== generatedHash) {
    drift.push({ kind: "spec-changed", publishedAt: input.recorded?.publishedAt ?? "unknown" });
  }
  if (diskHash === undefined) drift.push({ kind: "file-missing" });
  else if (published !== undefined && diskHash !== published) drift.push({ kind: "file-edited" });
  if (input.missingDagIds.length > 0) drift.push({ kind: "dag-missing", dagIds: input.missingDagIds });
  return drift;
}

/** One line per drift, naming the file and what to do about it. */
export function describeDrift(fileName: string, drift: Drift): string {
  switch (drift.kind) {
    case "never-published":
      return `${fileName} was never published`;
    case "spec-changed":
      return `${fileName}: the spec changed since it was published at ${drift.publishedAt}`;
    case "file-missing":
      return `${fileName} is not in the DAGs folder`;
    case "file-edited":
      return `${fileName} was edited by hand since it was published (publishing overwrites the edit)`;
    case "dag-missing":
      return `${fileName}: ${drift.dagIds.join(", ")} not in Airflow`;
  }
}

/**
 * Reconcile: for every known pipeline, compares each generated DAG file with its publish record, the DAGs
 * folder and Airflow, and looks for generated files of the pipeline its spec no longer makes (parts of an
 * `airflow.split` that went away). With `publish`, republishes a file that drifted in any way and removes a stale
 * one with its DAGs; otherwise reports the drift (once per distinct drift, not on every run). A spec that no
 * longer validates is reported and its published DAGs left alone.
 */
export function reconcileJob(
  schedule: string,
  deps: {
    catalog: PipelineCatalog;
    publisher: Publisher;
    client: AirflowClient;
    ledger: PublishedDags;
    publish: boolean;
    say: (message: string) => void;
  },
): Job {
  const reported = new Map<string, string>();
  const report = (key: string, message: string) => {
    if (reported.get(key) !== message) deps.say(message);
    reported.set(key, message);
  };
  return {
    name: "reconcile",
    schedule,
    run: async () => {
      for (const entry of await deps.catalog.list()) {
        if (!entry.pipeline) {
          report(
            entry.file,
            `reconcile: ${entry.file} is invalid, its DAG is left as published: ${entry.error}`,
          );
          continue;
        }
        const files = generateDags(entry.pipeline);
        const say = (m: string) => deps.say(`reconcile: ${m}`);
        // Stale files are found before anything is published (a DAG moving to another file leaves its old one
        // first) and removed after.
        const stale = deps.publish ? await releaseMoved(deps.publisher, entry.pipeline, files, say) : [];
        for (const file of files) {
          const dags = await Promise.all(file.dagIds.map((id) => deps.client.getDag(id)));
          const drift = driftOf({
            generated: file,
            recorded: await deps.ledger.get(file.fileName),
            onDisk: await deps.publisher.store.read(file.fileName),
            missingDagIds: file.dagIds.filter((_, i) => !dags[i]),
          });
          if (drift.length === 0) {
            reported.delete(file.fileName);
            continue;
          }
          const what = drift.map((d) => describeDrift(file.fileName, d)).join("; ");
          if (!deps.publish) {
            report(file.fileName, `reconcile: drift: ${what}`);
            continue;
          }
          deps.say(`reconcile: publishing because ${what}`);
          await publishRecorded(deps.publisher, deps.ledger, entry.pipeline, file, {
            timeoutMs: RECONCILE_WAIT_MS,
          });
          reported.delete(file.fileName);
          deps.say(`reconcile: published ${file.fileName}`);
        }
        if (!deps.publish) {
          const keep = files.map((f) => f.fileName);
          for (const old of await deps.publisher.staleFiles(entry.pipeline.spec.name, keep)) {
            const what = `${old.fileName} is no longer generated from the spec of ${entry.pipeline.spec.name}`;
            report(old.fileName, `reconcile: drift: ${what}`);
          }
          continue;
        }
        for (const r of await retireStale(
          deps.publisher,
          deps.ledger,
          entry.pipeline,
          stale,
          files,
          say,
          RECONCILE_WAIT_MS,
        )) {
          reported.delete(r.fileName);
          say(`${r.fileName} is no longer generated from the spec of ${entry.pipeline.spec.name}`);
        }
      }
    },
  };
}
