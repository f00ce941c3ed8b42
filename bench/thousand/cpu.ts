import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU seconds the processes of the machine spent between two snapshots, by kind (Airflow's scheduler, DAG
 * processor, triggerer, API server, LocalExecutor workers with the task processes they started, the smelter
 * service of the bench, PostgreSQL, MariaDB, the S3 emulator, anything else), read from /proc: a process's own
 * time plus that of its children that ended and were waited for. The machine is shared, so "other" and part of
 * Airflow's time may belong to other work; the machine's busy and idle time say how loaded it was.
 */

export type CpuGroup =
  | "airflow-scheduler"
  | "airflow-dag-processor"
  | "airflow-triggerer"
  | "airflow-api-server"
  | "airflow-workers"
  | "smelter-service"
  | "postgres"
  | "mariadb"
  | "s3-emulator"
  | "other";

export interface CpuSnapshot {
  /** pid → [group, cumulative CPU ticks] */
  processes: Map<number, [CpuGroup, number]>;
  machine: { busy: number; idle: number };
}

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function kindOf(cmd: string): CpuGroup {
  if (/airflow scheduler/.test(cmd)) return "airflow-scheduler";
  if (/airflow dag-processor|dag processor/i.test(cmd)) return "airflow-dag-processor";
  if (/airflow triggerer/.test(cmd)) return "airflow-triggerer";
  if (/api[_-]server/.test(cmd) && /airflow/.test(cmd)) return "airflow-api-server";
  if (/airflow (worker|task|supervisor)/.test(cmd)) return "airflow-workers";
  if (/^postgres/.test(cmd) || /bin\/postgres /.test(cmd)) return "postgres";
  if (/mariadbd|mysqld/.test(cmd)) return "mariadb";
  if (/moto_server/.test(cmd)) return "s3-emulator";
  return "other";
}

/** The group of a process: the bench's service and what it started, else its own kind or its nearest ancestor's. */
function groupOf(
  pid: number,
  servicePid: number | undefined,
  rows: Map<number, { ppid: number; cmd: string }>,
): CpuGroup {
  for (let p: number | undefined = pid; p && p > 1; p = rows.get(p)?.ppid) {
    if (p === servicePid) return "smelter-service";
  }
  for (let p: number | undefined = pid; p && p > 1; p = rows.get(p)?.ppid) {
    const kind = kindOf(rows.get(p)?.cmd ?? "");
    if (kind !== "other") return kind;
  }
  return "other";
}

/** The CPU time of every process now. */
export function cpuSnapshot(servicePid?: number): CpuSnapshot {
  const rows: { pid: number; ppid: number; ticks: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      rows.push({ pid: Number(entry), ppid: Number(fields[1]), ticks, cmd });
    } catch {
      // the process ended while being read
    }
  }
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const processes = new Map<number, [CpuGroup, number]>(
    rows.map((r) => [r.pid, [groupOf(r.pid, servicePid, byPid), r.ticks]]),
  );
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const busy = cpu.reduce((a, b) => a + b, 0) - idle;
  return { processes, machine: { busy, idle } };
}

/** CPU seconds per group between two snapshots (processes that ended in between are not counted). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot) {
  const groups: Record<string, number> = {};
  for (const [pid, [group, ticks]] of after.processes) {
    const was = before.processes.get(pid)?.[1] ?? 0;
    groups[group] = (groups[group] ?? 0) + Math.max(0, ticks - was) / TICKS;
  }
  for (const k of Object.keys(groups)) groups[k] = Number(groups[k]!.toFixed(1));
  return {
    groups,
    machineBusySeconds: Number(((after.machine.busy - before.machine.busy) / TICKS).toFixed(1)),
    machineIdleSeconds: Number(((after.machine.idle - before.machine.idle) / TICKS).toFixed(1)),
  };
}
