import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SmelterError } from "../errors.ts";
import type { AirflowClient, AirflowDagRun } from "./client.ts";

/**
 * Where DAG files go. The local folder is the first implementation; an S3 DAGs bucket implements the same two
 * calls (an object PUT is atomic too).
 */
export interface DagStore {
  /** Writes atomically; returns false, writing nothing, when the content is already there. */
  write(fileName: string, content: string): Promise<boolean>;
  remove(fileName: string): Promise<void>;
  /** The file's current content, or undefined when there is none. */
  read(fileName: string): Promise<string | undefined>;
  /** Where a file lives, as Airflow sees it (for messages). */
  locate(fileName: string): string;
}

/** A DAGs folder on a local or mounted file system. */
export class LocalDagFolder implements DagStore {
  constructor(readonly dir: string) {}

  async write(fileName: string, content: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const target = join(this.dir, fileName);
    if ((await readFile(target, "utf8").catch(() => undefined)) === content) return false;
    // Not ending in .py, so Airflow never parses it half-written; the rename is atomic in one directory.
    const temp = join(this.dir, `.${fileName}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(temp, content, "utf8");
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return true;
  }

  async remove(fileName: string): Promise<void> {
    await rm(join(this.dir, fileName), { force: true });
  }

  async read(fileName: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, fileName), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  locate(fileName: string): string {
    return join(this.dir, fileName);
  }
}

/** Airflow could not import a published file; the message holds Airflow's stack trace verbatim. */
export class DagImportError extends SmelterError {
  constructor(
    readonly fileName: string,
    readonly stackTrace: string,
  ) {
    super("DagImportError", `Airflow failed to import ${fileName}:\n${stackTrace}`, { retryable: false });
  }
}

export interface DagFile {
  fileName: string;
  content: string;
  dagIds: string[];
}

export interface PublishFileOptions {
  unpause?: boolean;
  trigger?: boolean;
  /** With trigger: wait for the run to finish. */
  wait?: boolean;
  /** How long to wait for Airflow to parse the file, and for a run; default 300 s. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export interface PublishFileResult {
  fileName: string;
  changed: boolean;
  dagIds: string[];
  run: AirflowDagRun | null;
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The spec hash in a generated DAG file's header (src/compiler/render.ts). */
const SPEC_HASH = /^# spec sha256: ([0-9a-f]{64})$/m;

/** Airflow 3 names files relative to the bundle, Airflow 2 by absolute path. */
const sameFile = (reported: string, fileName: string): boolean =>
  reported === fileName || reported.endsWith(`/${fileName}`);

/** The check Airflow's dag processor applies before parsing a file (`might_contain_dag_via_default_heuristic`). */
function mightContainDag(content: string): boolean {
  const text = content.toLowerCase();
  return text.includes("airflow") && (text.includes("dag") || text.includes("asset"));
}

/**
 * Publishes DAG files: write atomically (skipped when unchanged), wait until Airflow has parsed this version,
 * fail with Airflow's import error verbatim, then optionally unpause, trigger and wait for the run.
 */
export class Publisher {
  constructor(
    private readonly client: AirflowClient,
    readonly store: DagStore,
  ) {}

  async publishFile(file: DagFile, options: PublishFileOptions = {}): Promise<PublishFileResult> {
    if (!mightContainDag(file.content)) {
      throw new SmelterError(
        "DagFileIgnored",
        `${file.fileName} would never be parsed: Airflow's DAG discovery safe mode skips .py files that do not contain "airflow" and "dag" (or "asset")`,
        { retryable: false },
      );
    }
    const log = options.log ?? (() => {});
    const timeoutMs = options.timeoutMs ?? 300_000;
    const writtenAt = Date.now();
    const changed = await this.store.write(file.fileName, file.content);
    log(changed ? `wrote ${this.store.locate(file.fileName)}` : `${file.fileName} unchanged: not rewritten`);
    await this.awaitParsed(file, changed ? writtenAt : null, timeoutMs, log);
    if (options.unpause) {
      for (const dagId of file.dagIds) await this.client.setPaused(dagId, false);
      log(`unpaused ${file.dagIds.join(", ")}`);
    }
    let run: AirflowDagRun | null = null;
    if (options.trigger && file.dagIds[0]) {
      run = await this.client.triggerRun(file.dagIds[0]);
      log(`triggered ${run.dag_id} run ${run.dag_run_id}`);
      if (options.wait) run = await this.client.awaitRun(run, timeoutMs);
    }
    return { fileName: file.fileName, changed, dagIds: file.dagIds, run };
  }

  /**
   * Whether Airflow 3's latest version of every DAG of the file has this content. A parse time alone cannot
   * tell: a parse that read the old file may finish just after the write. Airflow 2 keeps no versions: true.
   */
  private async holdsContent(file: DagFile): Promise<boolean> {
    const sources = await Promise.all(file.dagIds.map((id) => this.client.dagSource(id)));
    if (!sources.every((source) => source === undefined || source === file.content)) return false;
    // Airflow writes a DAG's source at once but its serialized DAG at most every
    // [core] min_serialized_dag_update_interval (30 s): a run triggered before that gets the old tasks.
    // Generated DAGs name their spec's hash in doc_md, which is serialized.
    const specHash = SPEC_HASH.exec(file.content)?.[1];
    if (!specHash) return true;
    const docs = await Promise.all(file.dagIds.map((id) => this.client.dagDocMd(id)));
    return docs.every((doc) => doc?.includes(specHash));
  }

  /**
   * Waits until every DAG of the file is registered and (when the file was just written) parsed after
   * `writtenAt`; an import error recorded for this file after the write fails at once.
   */
  private async awaitParsed(
    file: DagFile,
    writtenAt: number | null,
    timeoutMs: number,
    log: (m: string) => void,
  ) {
    const deadline = Date.now() + timeoutMs;
    let asked = false;
    for (;;) {
      const errors = await this.client.importErrors(file.fileName);
      const fresh = errors.find(
        (e) =>
          sameFile(e.filename, file.fileName) &&
          (writtenAt === null || Date.parse(e.timestamp) >= writtenAt - 1000),
      );
      if (fresh) throw new DagImportError(file.fileName, fresh.stack_trace);
      const dags = await Promise.all(file.dagIds.map((id) => this.client.getDag(id)));
      const ready =
        dags.every(
          (d) =>
            d &&
            (writtenAt === null ||
              (d.last_parsed_time && Date.parse(d.last_parsed_time) >= writtenAt - 1000)),
        ) &&
        (writtenAt === null || (await this.holdsContent(file)));
      if (ready) {
        log(`Airflow registered ${file.dagIds.join(", ")}`);
        return;
      }
      // A file Airflow already knows can be re-parsed on request; a new one waits for the bundle refresh.
      const known = dags.find((d) => d?.file_token);
      if (writtenAt !== null && known?.file_token && !asked) {
        await this.client.reparse(known.file_token).catch(() => {});
        asked = true;
      }
      if (Date.now() > deadline) {
        throw new SmelterError(
          "Timeout",
          `Airflow did not register ${file.dagIds.join(", ")} from ${this.store.locate(file.fileName)} within ${timeoutMs / 1000} s: is that the folder Airflow reads, and is its dag processor running?`,
          { retryable: true },
        );
      }
      await sleep(1000);
    }
  }
}
