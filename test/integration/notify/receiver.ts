import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Execution } from "../../../src/state/execution-record.ts";
import { call, eventually, type TestService } from "../http/harness.ts";

/** A request a webhook receiver got, with the status it answered. */
export interface Received {
  path: string;
  status: number;
  body: Record<string, unknown>;
}

/** A webhook receiver: answers each path's scripted statuses in turn (then 200) and records every request. */
export class Receiver {
  readonly received: Received[] = [];
  readonly script = new Map<string, number[]>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "";
        const status = this.script.get(path)?.shift() ?? 200;
        this.received.push({ path, status, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
      });
    });
    this.server.listen(0, "127.0.0.1");
    await new Promise((resolve) => this.server?.once("listening", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Bodies a path accepted (status 200), as the type its format says. */
  accepted<T>(path: string): T[] {
    return this.received.filter((r) => r.path === path && r.status === 200).map((r) => r.body as T);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Submits a bronze execution of `pipeline`.`table` to `service` as Airflow's try `tryNumber` and waits until it
 * has ended, then a little longer: the outcome is recorded before its incident, and the tests read both.
 */
export async function runTry(
  service: TestService,
  pipeline: string,
  table: string,
  tryNumber: number,
): Promise<Execution> {
  const submitted = await call(service.url, "POST", "/api/v1/executions", {
    pipeline,
    step: "bronze",
    table,
    idempotency_key: `${pipeline}-${table}-${tryNumber}-${Math.random()}`,
    airflow: {
      dag_id: `smelter__${pipeline}`,
      run_id: "manual__2026-12-01T00:00:00+00:00",
      task_id: `bronze__${table}`,
      map_index: -1,
      try_number: tryNumber,
      logical_date: null,
    },
  });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const id = submitted.body.id as string;
  const ended = await eventually(async () => {
    const e = await service.store.get(id);
    return e && (e.status === "success" || e.status === "failed") ? e : undefined;
  });
  await sleep(300);
  return ended;
}
