import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import type { RegisteredSpecRules } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { confine, confinementProblems } from "../spec/resolve.ts";
import type { LoadedPipeline } from "../spec/types.ts";

/** Parses and validates a spec's text (the spec loader); throws a ConfigError listing every problem. */
export type SpecParser = (text: string, file: string) => LoadedPipeline | Promise<LoadedPipeline>;

/** Where a pipeline the service knows comes from. */
export type PipelineOrigin = "registered" | "file";

export interface CatalogEntry {
  name: string;
  origin: PipelineOrigin;
  file: string;
  hash: string;
  /** Absent when the spec no longer validates (a file edited into a broken state); `error` says why. */
  pipeline?: LoadedPipeline;
  error?: string;
}

const SPEC_FILE = /\.ya?ml$/;

/** The `file` of a pipeline registered over HTTP: shown in DAG headers and messages. */
export const registeredFile = (name: string): string => `registered:${name}`;

/**
 * The pipelines the service knows: those registered over HTTP (stored in the state DB, spec text + hash) and the
 * YAML files of the specs folder. A registered pipeline wins over a file of the same pipeline name.
 *
 * Anyone with an admin token can register a spec, so registered specs are bound to `rules` (secret files only
 * from the secrets directory, connections only to the allowed hosts; see `spec/resolve.ts`); the files of the
 * specs folder were put there by the operator and keep the open rules.
 */
export class PipelineCatalog {
  private readonly fileCache = new Map<string, { mtimeMs: number; entry: CatalogEntry }>();
  /**
   * Registered specs as last parsed, by name with the hash of their text: every execution looks its pipeline up,
   * and parsing and validating a spec again costs it 5-10 ms when the text is the same.
   */
  private readonly registeredCache = new Map<string, CatalogEntry>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly specsDir: string,
    private readonly parse: SpecParser,
    private readonly rules: RegisteredSpecRules,
  ) {}

  /** Every known pipeline, sorted by name; broken spec files are listed with their error. */
  async list(): Promise<CatalogEntry[]> {
    const byName = new Map<string, CatalogEntry>();
    for (const entry of await this.fromFiles()) byName.set(entry.name, entry);
    for (const entry of await this.fromDb()) byName.set(entry.name, entry);
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<LoadedPipeline | undefined> {
    const entry = await this.entry(name);
    if (entry?.error !== undefined) throw new ConfigError(`pipeline ${name} (${entry.file}): ${entry.error}`);
    return entry?.pipeline;
  }

  async entry(name: string): Promise<CatalogEntry | undefined> {
    const { rows } = await this.pool.query<{ spec_text: string }>(
      "SELECT spec_text FROM smelter.pipelines WHERE name = $1",
      [name],
    );
    if (rows[0]) return this.registeredEntry(name, rows[0].spec_text);
    return (await this.fromFiles()).find((e) => e.name === name);
  }

  /**
   * Validates and stores a spec under `name` (which must be the spec's own name). Returns whether it was new
   * and whether its content changed.
   */
  async register(
    name: string,
    text: string,
  ): Promise<{ pipeline: LoadedPipeline; created: boolean; changed: boolean }> {
    const pipeline = await this.parse(text, registeredFile(name));
    if (pipeline.spec.name !== name) {
      throw new ConfigError(
        `the spec's name is ${JSON.stringify(pipeline.spec.name)} but it was sent to /api/v1/pipelines/${name}: they must match`,
      );
    }
    const refused = confinementProblems(pipeline.spec, this.rules);
    if (refused.length > 0) {
      throw new ConfigError(`pipeline ${name} is not registered: ${refused.join("; ")}`);
    }
    confine(pipeline.spec, this.rules);
    const { rows } = await this.pool.query<{ inserted: boolean; previous: string | null }>(
      `WITH previous AS (SELECT spec_hash FROM smelter.pipelines WHERE name = $1)
       INSERT INTO smelter.pipelines (name, spec_text, spec_hash) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET spec_text = EXCLUDED.spec_text, spec_hash = EXCLUDED.spec_hash,
         updated_at = CASE WHEN smelter.pipelines.spec_hash = EXCLUDED.spec_hash
                      THEN smelter.pipelines.updated_at ELSE now() END
       RETURNING (xmax = 0) AS inserted, (SELECT spec_hash FROM previous) AS previous`,
      [name, text, pipeline.hash],
    );
    const row = rows[0]!;
    return { pipeline, created: row.inserted, changed: row.previous !== pipeline.hash };
  }

  /** Forgets a registered pipeline; answers whether there was one. Spec files are never touched. */
  async unregister(name: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM smelter.pipelines WHERE name = $1", [name]);
    this.registeredCache.delete(name);
    return (rowCount ?? 0) > 0;
  }

  private async fromDb(): Promise<CatalogEntry[]> {
    const { rows } = await this.pool.query<{ name: string; spec_text: string }>(
      "SELECT name, spec_text FROM smelter.pipelines ORDER BY name",
    );
    return Promise.all(rows.map((r) => this.registeredEntry(r.name, r.spec_text)));
  }

  /** The entry of a registered spec, parsed again only when its text changed. */
  private async registeredEntry(name: string, text: string): Promise<CatalogEntry> {
    const cached = this.registeredCache.get(name);
    if (cached && cached.hash === hashOf(text)) return cached;
    const entry = await this.parseEntry(text, registeredFile(name), "registered", name);
    this.registeredCache.set(name, entry);
    return entry;
  }

  private async fromFiles(): Promise<CatalogEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.specsDir)).filter((f) => SPEC_FILE.test(f)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const entries: CatalogEntry[] = [];
    for (const name of names) {
      const file = path.join(this.specsDir, name);
      const { mtimeMs } = await stat(file);
      const cached = this.fileCache.get(file);
      if (cached && cached.mtimeMs === mtimeMs) {
        entries.push(cached.entry);
        continue;
      }
      const entry = await this.parseEntry(
        await readFile(file, "utf8"),
        file,
        "file",
        name.replace(SPEC_FILE, ""),
      );
      this.fileCache.set(file, { mtimeMs, entry });
      entries.push(entry);
    }
    return entries;
  }

  private async parseEntry(
    text: string,
    file: string,
    origin: PipelineOrigin,
    fallbackName = "",
  ): Promise<CatalogEntry> {
    const hash = hashOf(text);
    try {
      const pipeline = await this.parse(text, file);
      if (origin === "registered") confine(pipeline.spec, this.rules);
      return { name: pipeline.spec.name, origin, file, hash, pipeline };
    } catch (error) {
      return { name: fallbackName, origin, file, hash, error: (error as Error).message };
    }
  }
}

const hashOf = (text: string): string => createHash("sha256").update(text).digest("hex");
