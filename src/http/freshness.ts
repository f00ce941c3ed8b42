import { type FreshnessState, freshnessState, modelChangedAt } from "../spec/freshness.ts";
import { resolveDatabase } from "../spec/resolve.ts";
import type { FreshnessSla, LoadedPipeline } from "../spec/types.ts";
import type { PipelineCatalog } from "../state/pipelines.ts";
import { SourceChangeTimes } from "../ui/change-times.ts";
import { readWarehouseState, type WarehouseState } from "../ui/warehouse.ts";

/** How fresh one bronze table is: the age of its newest committed change and its change-feed version. */
export interface TableFreshness {
  pipeline: string;
  table: string;
  /** Whether bronze has applied anything for the table; false: only its SLA is known. */
  applied: boolean;
  version: number;
  /**
   * Seconds since the newest source change bronze holds was made (`source`: the high watermark of the newest
   * applied batch, when the table's cursor is a timestamp), else since its newest commit (`commit`); null when
   * nothing was applied yet.
   */
  ageSeconds: number | null;
  measuredFrom: "source" | "commit";
  sla: FreshnessSla;
  state: FreshnessState;
}

/** How fresh one silver model is, and how many change-feed versions of its bronze table it has not merged. */
export interface ModelFreshness {
  pipeline: string;
  model: string;
  table: string;
  /** Whether the model has merged anything; false: only its SLA is known. */
  applied: boolean;
  lagVersions: number;
  /**
   * The age of the newest change the model holds: its table's age when the model is caught up; otherwise the
   * seconds since the model last merged, a lower bound of that age.
   */
  ageSeconds: number | null;
  sla: FreshnessSla;
  state: FreshnessState;
}

/** The freshness of every pipeline the warehouse could be read for, and the pipelines it could not. */
export interface FreshnessSnapshot {
  at: Date;
  tables: TableFreshness[];
  models: ModelFreshness[];
  /** Whether each pipeline's warehouse answered the last read. */
  reachable: Map<string, boolean>;
}

export interface FreshnessOptions {
  catalog: PipelineCatalog;
  /** Environment the warehouse connection references resolve against. */
  env: NodeJS.ProcessEnv;
  /** How long a read is reused before the warehouses are asked again; default 60 s. */
  ttlMs?: number;
  /** Budget of each warehouse read; default 10 s (a Spark Thrift server may take seconds to answer). */
  timeoutMs?: number;
  say?: (message: string) => void;
}

const seconds = (from: string | null, now: Date): number | null =>
  from === null ? null : Math.max(0, (now.getTime() - Date.parse(from)) / 1000);

/**
 * Reads the freshness of every pipeline's tables and models from the warehouses, as the pipeline pages show it
 * (without row counts), and keeps the answer for a while: a Prometheus scrape every few seconds, or several
 * replicas' scrapes, must not become warehouse queries each. Only the first call waits for the warehouses; later
 * ones answer from the last read and, once it is older than `ttlMs`, start the next read in the background, so a
 * slow warehouse never slows a scrape. Concurrent reads are one; ages are recomputed per call.
 */
export class FreshnessReader {
  private readonly changeTimes = new SourceChangeTimes();
  private cached: { at: number; states: PipelineStates } | undefined;
  private pending: Promise<PipelineStates> | undefined;

  constructor(private readonly options: FreshnessOptions) {}

  /** The freshness now, from a warehouse read at most `ttlMs` old. */
  async read(now = new Date()): Promise<FreshnessSnapshot> {
    const ttl = this.options.ttlMs ?? 60_000;
    const cached = this.cached;
    if (cached && Date.now() - cached.at < ttl) return snapshot(cached.states, now);
    if (!this.pending) {
      this.pending = this.load().finally(() => {
        this.pending = undefined;
      });
      // A refresh in the background that fails keeps the last read (a warehouse's failure is logged per pipeline).
      if (cached) this.pending.catch((error: Error) => this.options.say?.(`freshness: ${error.message}`));
    }
    return snapshot(cached ? cached.states : await this.pending, now);
  }

  private async load(): Promise<PipelineStates> {
    const started = Date.now();
    const pipelines = (await this.options.catalog.list()).flatMap((e) => (e.pipeline ? [e.pipeline] : []));
    const states = await Promise.all(pipelines.map((p) => this.readOne(p)));
    this.cached = { at: started, states };
    return states;
  }

  private async readOne(p: LoadedPipeline): Promise<PipelineState> {
    const spec = p.spec;
    try {
      const state = await readWarehouseState(
        resolveDatabase(spec, spec.warehouse, this.options.env),
        {
          pipeline: spec.name,
          bronzeSchema: spec.bronzeSchema,
          silverSchema: spec.silverSchema,
          tables: spec.tables.map((t) => t.name),
          models: spec.silver.map((m) => m.name),
          rowCounts: false,
        },
        this.options.timeoutMs ?? 10_000,
      );
      const changes = new Map<string, string | null>();
      for (const [table, t] of state.tables) {
        try {
          changes.set(table, await this.changeTimes.of(p, table, t.lastBatch, this.options.env));
        } catch (error) {
          // The landing zone did not answer: this read measures the table from its commit.
          this.options.say?.(`freshness of ${spec.name}.${table}: ${(error as Error).message}`);
        }
      }
      return { pipeline: p, state, changes };
    } catch (error) {
      this.options.say?.(`freshness of pipeline ${spec.name}: ${(error as Error).message}`);
      return { pipeline: p, state: null, changes: new Map() };
    }
  }
}

/**
 * A pipeline and its warehouse state, null when the warehouse did not answer, with the time of the newest source
 * change of each table whose newest applied batch says it.
 */
type PipelineState = {
  pipeline: LoadedPipeline;
  state: WarehouseState | null;
  changes: Map<string, string | null>;
};
type PipelineStates = PipelineState[];

function snapshot(states: PipelineStates, now: Date): FreshnessSnapshot {
  const out: FreshnessSnapshot = { at: now, tables: [], models: [], reachable: new Map() };
  for (const { pipeline, state, changes } of states) {
    const name = pipeline.spec.name;
    out.reachable.set(name, state !== null);
    if (!state) continue;
    for (const table of pipeline.spec.tables) {
      const t = state.tables.get(table.name);
      const changedAt = changes.get(table.name) ?? null;
      const ageSeconds = t ? seconds(changedAt ?? t.committedAt, now) : null;
      if (!t && freshnessState(null, table.freshness) === "none") continue;
      out.tables.push({
        pipeline: name,
        table: table.name,
        applied: t !== undefined,
        version: t?.version ?? 0,
        ageSeconds,
        measuredFrom: changedAt === null ? "commit" : "source",
        sla: table.freshness,
        state: freshnessState(ageSeconds, table.freshness),
      });
    }
    for (const model of pipeline.spec.silver) {
      const m = state.models.get(model.name);
      const table = state.tables.get(model.from);
      const changedAt = changes.get(model.from) ?? null;
      const source = table && changedAt !== null ? { ...table, committedAt: changedAt } : table;
      const lag = Math.max(0, (source?.version ?? 0) - (m?.checkpoint ?? 0));
      const ageSeconds = m ? seconds(modelChangedAt(m, source), now) : null;
      if (!m && freshnessState(null, model.freshness) === "none") continue;
      out.models.push({
        pipeline: name,
        model: model.name,
        table: model.from,
        applied: m !== undefined,
        lagVersions: lag,
        ageSeconds,
        sla: model.freshness,
        state: freshnessState(ageSeconds, model.freshness),
      });
    }
  }
  return out;
}
