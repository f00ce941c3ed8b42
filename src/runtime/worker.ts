import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { ExecutionContext, Logger, StepMetrics, TaskRequest } from "../contracts/step.ts";
import type { WatermarkStore } from "../contracts/stores.ts";
import { BusyError, CancelledError, ConfigError, type ErrorInfo, toErrorInfo } from "../errors.ts";
import type { ServiceLog } from "../log.ts";
import { textScrubber } from "../secrets.ts";
import type { LoadedPipeline } from "../spec/types.ts";
import { type Execution, type ExecutionStore, requestOf } from "../state/executions.ts";
import { PgWatermarkStore } from "../state/watermarks.ts";
import { phase } from "../trace.ts";
import { runChain, stepName } from "./chain.ts";
import { ExecutionLog, toWireMetrics } from "./execution-log.ts";
import { lockHolder, lockKeys, tryLockAll, unlockAll } from "./locks.ts";

/** Runs a task request: `runTask` of src/executors/index.ts, or a test registry's. */
export type TaskRunner = (request: TaskRequest, ctx: ExecutionContext) => Promise<StepMetrics>;

/** Told about every finished execution (Prometheus counters). */
export type ExecutionObserver = (
  execution: Execution,
  outcome: "success" | "failed" | "cancelled",
  metrics: StepMetrics | undefined,
  durationMs: number,
) => void;

export interface WorkerOptions {
  pool: pg.Pool;
  store: ExecutionStore;
  pipelines: (name: string) => Promise<LoadedPipeline | undefined>;
  runTask: TaskRunner;
  concurrency: number;
  /** Seconds to wait for a lock held by another execution; 0 refuses at once with a retryable Busy error. */
  lockWaitSeconds: number;
  leaseSeconds: number;
  env?: NodeJS.ProcessEnv;
  observe?: ExecutionObserver;
  /**
   * Told about every execution as recorded once it ended, whether this worker ran it or marked it interrupted
   * (notifications); awaited after the outcome is recorded, and a failure of it is logged, never the execution's.
   */
  finished?: (execution: Execution) => Promise<void>;
  /** Service log (stdout by default); never receives secrets. */
  say?: (message: string) => void;
  /**
   * Where every line of every execution's log is also written, with the execution's id, pipeline, step and
   * table (or source); default nowhere but the run registry.
   */
  log?: ServiceLog;
  /**
   * Values no execution log line and no recorded error message may show (the service's known secrets,
   * `serviceSecrets`); the secrets the process reads through specs' references are added as they are read.
   * Default: those alone.
   */
  secrets?: readonly string[];
  /** How often to look for queued executions when not woken (by a submit or a finished run); default 500 ms. */
  pollMs?: number;
}

interface Running {
  execution: Execution;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Claims queued executions from the run registry and runs them, at most `concurrency` at once on this replica.
 * Each run holds Postgres session advisory locks on its (pipeline, step, table)s, so that one table is worked
 * on by one execution at a time across all replicas, and proves it is alive with a heartbeat that also carries
 * cancel requests from whichever replica received them.
 */
export class ExecutionWorker {
  /** Identifies this replica in the `worker` column. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private lastSweep = 0;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Set by `wake` while a claim is under way, so that the loop looks again instead of sleeping. */
  private woken = false;
  private unsubscribe: (() => void) | undefined;
  private readonly say: (message: string) => void;
  private readonly watermarks: WatermarkStore;
  private readonly scrub: (text: string) => string;

  constructor(private readonly options: WorkerOptions) {
    this.say = options.say ?? ((m) => console.log(m));
    this.scrub = textScrubber(options.secrets ?? []);
    this.watermarks = new PgWatermarkStore(options.pool);
  }

  /** Marks executions of dead replicas interrupted, then starts claiming work. */
  async start(): Promise<void> {
    await this.sweep();
    // A submit on any replica announces the new row: claim it now rather than at the next poll.
    this.unsubscribe = this.options.store.events.onQueued(() => this.wake());
    this.loop = this.claimLoop();
  }

  /**
   * Fails the executions whose replica stopped heartbeating (killed, or lost its database connection), so that
   * none stays `running` forever. Run at start and then once per lease by every replica.
   */
  private async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    const interrupted = await this.options.store.markInterrupted({ leaseSeconds: this.options.leaseSeconds });
    if (interrupted.length > 0) {
      this.say(
        `marked ${interrupted.length} interrupted execution(s) failed (retryable): ${interrupted.join(", ")}`,
      );
      await this.told(interrupted);
    }
  }

  /** Tells `finished` about executions marked interrupted, read back as recorded. */
  private async told(ids: readonly string[]): Promise<void> {
    if (!this.options.finished) return;
    for (const id of ids) {
      const execution = await this.options.store.get(id).catch(() => undefined);
      if (execution) await this.tell(execution);
    }
  }

  private async tell(execution: Execution): Promise<void> {
    await this.options
      .finished?.(execution)
      .catch((error: Error) =>
        this.say(`cannot record the notifications of ${execution.id}: ${error.message}`),
      );
  }

  /** Looks for queued work now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  get active(): number {
    return this.running.size;
  }

  /** True once `stop` was called: this replica claims nothing more and its API refuses new submits. */
  get draining(): boolean {
    return this.stopping;
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running executions, then marks the rest interrupted (retryable)
   * and aborts them.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut && this.running.size > 0) {
      const ids = await this.options.store.markInterrupted({ worker: this.id });
      this.say(`shutdown: marked ${ids.length} running execution(s) interrupted: ${ids.join(", ")}`);
      await this.told(ids);
      for (const r of this.running.values()) r.controller.abort();
      await Promise.race([all, sleep(5000)]);
    }
  }

  private async claimLoop(): Promise<void> {
    const pollMs = this.options.pollMs ?? 500;
    while (!this.stopping) {
      this.woken = false;
      if (Date.now() - this.lastSweep > this.options.leaseSeconds * 1000) {
        await this.sweep().catch((error: Error) =>
          this.say(`cannot check execution leases: ${error.message}`),
        );
      }
      let claimed: { execution: Execution; nextLogSeq: number } | undefined;
      if (this.running.size < this.options.concurrency) {
        try {
          claimed = await this.options.store.claim(this.id);
        } catch (error) {
          this.say(`cannot claim executions: ${(error as Error).message}`);
        }
      }
      if (claimed) {
        this.launch(claimed.execution, claimed.nextLogSeq);
        continue;
      }
      if (this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private launch(execution: Execution, nextLogSeq: number): void {
    const controller = new AbortController();
    const done = this.execute(execution, nextLogSeq, controller)
      .then(() => undefined)
      .finally(() => {
        this.running.delete(execution.id);
        this.wake();
      });
    this.running.set(execution.id, { execution, controller, done });
  }

  /**
   * Runs one execution to its end and records the outcome. `nextLogSeq`: the next free sequence number of its log
   * (as the claim answered it). A step of a chain runs here too, inside the chain's slot, with its lines also
   * written to the chain's log (`chainLog`).
   */
  private async execute(
    execution: Execution,
    nextLogSeq: number,
    controller: AbortController,
    chainLog?: Logger,
  ): Promise<{ metrics?: StepMetrics; error?: ErrorInfo }> {
    const { store } = this.options;
    const started = Date.now();
    const request = requestOf(execution);
    const lines = this.options.log?.child({
      execution_id: execution.id,
      pipeline: execution.pipeline,
      step: execution.step,
      ...(request.table !== undefined ? { table: request.table } : { source: request.source }),
    });
    const label = request.table !== undefined ? stepName({ step: request.step, table: request.table }) : "";
    const log = new ExecutionLog(
      store,
      execution.id,
      nextLogSeq,
      lines || chainLog
        ? (line) => {
            lines?.[line.level](line.message);
            chainLog?.[line.level](`[${label}] ${line.message}`);
          }
        : undefined,
      this.scrub,
    );
    let cancelReason: string | null = null;
    const beat = setInterval(
      () => {
        store
          .heartbeat(execution.id, this.id)
          .then(({ cancelRequested, reason }) => {
            if (cancelRequested && !controller.signal.aborted) {
              log.warn(`cancel requested (${reason ?? "no reason given"}): stopping at the next safe point`);
              cancelReason = reason;
              controller.abort();
            }
          })
          .catch(() => {});
      },
      Math.min(2000, (this.options.leaseSeconds * 1000) / 3),
    );
    const mode = request.mode ? ` (${request.mode.kind})` : "";
    const later = request.downstream
      ? " and the later steps"
      : request.chain
        ? " and the later steps, each as its own execution"
        : "";
    const what = `${execution.step}${mode} ${request.table ?? `source ${request.source}`}${later} of ${execution.pipeline}`;
    let metrics: StepMetrics | undefined;
    let error: ErrorInfo | undefined;
    /** A step of this chain failed: that step's execution is the one whose failure is told. */
    let stepFailed = false;
    try {
      const pipeline = await phase("service: load pipeline", () =>
        this.options.pipelines(execution.pipeline),
      );
      if (!pipeline) throw new ConfigError(`pipeline ${execution.pipeline} is not known to the service`);
      log.info(`${what}: execution ${execution.id} started on ${this.id}`);
      const onStepFailed = () => {
        stepFailed = true;
      };
      metrics =
        request.chain && request.table !== undefined
          ? await this.chain(
              execution,
              { ...request, table: request.table },
              pipeline,
              log,
              controller,
              onStepFailed,
            )
          : await this.withLocks(execution, request, pipeline, log, controller.signal, () =>
              this.options.runTask(request, {
                executionId: execution.id,
                pipeline,
                log,
                signal: controller.signal,
                env: this.options.env ?? process.env,
                watermarks: this.watermarks,
                progress: (progress) => {
                  store.setProgress(execution.id, progress).catch(() => {});
                },
              }),
            );
    } catch (caught) {
      // A step of a chain is aborted with the reason its chain stopped.
      const reason =
        cancelReason ?? (typeof controller.signal.reason === "string" ? controller.signal.reason : null);
      const info = controller.signal.aborted
        ? new CancelledError(`execution was cancelled: ${reason ?? "the service is stopping"}`).toInfo()
        : toErrorInfo(caught);
      // What is recorded is what the API, the pages, incidents, notifications and Airflow show: a server may have
      // quoted a secret back (a password given as the user name), so the message is scrubbed as the log lines are.
      error = { ...info, message: this.scrub(info.message) };
      log.error(`${error.type}: ${error.message} (${error.retryable ? "retryable" : "not retryable"})`);
    } finally {
      clearInterval(beat);
    }
    const durationMs = Date.now() - started;
    const status = error === undefined ? "success" : error.type === "Cancelled" ? "cancelled" : "failed";
    if (status === "success") log.info(`${what}: succeeded in ${durationMs} ms`);
    await phase("service: flush log", () => log.flush());
    const recorded = await phase("service: record outcome", () =>
      store
        .finish(execution.id, this.id, {
          status,
          ...(metrics ? { metrics: toWireMetrics(metrics, durationMs) } : {}),
          ...(error ? { error } : {}),
        })
        .catch((e: Error) => {
          this.say(`cannot record the outcome of ${execution.id}: ${e.message}`);
          return undefined;
        }),
    );
    // A chain's steps are counted and told as the executions they are; the chain itself only when it failed on
    // its own (before any step did).
    if (!execution.chain) this.options.observe?.(execution, status, metrics, durationMs);
    if (recorded && (!execution.chain || (status !== "success" && !stepFailed))) await this.tell(recorded);
    return { ...(metrics ? { metrics } : {}), ...(error ? { error } : {}) };
  }

  /** Runs a chain's steps (src/runtime/chain.ts), each as a child execution in this execution's slot. */
  private chain(
    execution: Execution,
    request: TaskRequest & { table: string },
    pipeline: LoadedPipeline,
    log: ExecutionLog,
    controller: AbortController,
    stepFailed: () => void,
  ): Promise<StepMetrics> {
    const { store } = this.options;
    return runChain(pipeline.spec, request, log, controller.signal, {
      doneSteps: () => store.doneSteps(execution.airflow),
      startChild: (target) => store.startChild(execution, target, this.id),
      run: async (child) => {
        // Cancelling the chain cancels the step under way; a step cancelled on its own ends the chain.
        const own = new AbortController();
        const abort = () => own.abort(`the table's execution ${execution.id} was cancelled or stopped`);
        controller.signal.addEventListener("abort", abort, { once: true });
        try {
          // A step's execution is new (startChild inserts it): its log starts at 0.
          const outcome = await this.execute(child, 0, own, log);
          if (outcome.error) stepFailed();
          return outcome;
        } finally {
          controller.signal.removeEventListener("abort", abort);
        }
      },
    });
  }

  /** Runs `fn` holding the advisory locks of the execution's tables on one dedicated connection. */
  private async withLocks<T>(
    execution: Execution,
    request: TaskRequest,
    pipeline: LoadedPipeline,
    log: ExecutionLog,
    signal: AbortSignal,
    fn: () => Promise<T>,
  ): Promise<T> {
    const keys = lockKeys(pipeline.spec, request);
    const client = await phase("service: take locks", () => this.options.pool.connect());
    try {
      const deadline = Date.now() + this.options.lockWaitSeconds * 1000;
      let announced = false;
      while (!(await phase("service: take locks", () => tryLockAll(client, keys)))) {
        const holder =
          (await lockHolder(this.options.store, pipeline.spec, keys, execution.id)) ?? "another execution";
        if (Date.now() >= deadline) {
          throw new BusyError(
            `${execution.step} of ${request.table ?? request.source} in pipeline ${execution.pipeline} is already being worked on by ${holder}; retry once it has finished`,
          );
        }
        if (!announced) log.info(`waiting for execution ${holder} holding the lock`);
        announced = true;
        await sleep(250);
        if (signal.aborted) throw new CancelledError();
      }
      try {
        return await fn();
      } finally {
        await phase("service: release locks", () => unlockAll(client, keys));
      }
    } finally {
      client.release();
    }
  }
}
