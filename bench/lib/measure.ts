import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Shared measuring helpers of the benchmarks: timers, psql, child processes with their peak RSS. */

/** Seconds a piece of async work took, with its result. */
export async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [(performance.now() - start) / 1000, result];
}

/** Runs a psql script against `url` (stops at the first error); returns the seconds it took. */
export function psql(url: string, script: string): number {
  const start = performance.now();
  execFileSync(
    "psql",
    [url, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning", "-f", "-"],
    { input: script, stdio: ["pipe", "ignore", "inherit"], maxBuffer: 1 << 26 },
  );
  return (performance.now() - start) / 1000;
}

/** What a measured child process did: wall seconds, peak RSS (MB, the largest of it and its waited-for children), stdout. */
export interface Measured {
  seconds: number;
  maxRssMb: number;
  stdout: string;
}

/**
 * Runs a command under GNU time, so the peak RSS covers whatever the command starts (a python's worker
 * processes, node's children). stderr is passed through with a prefix for progress; a failing command rejects
 * with its exit code and the tail of its stderr.
 */
export async function measured(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), "smelter-bench-time-"));
  const timeFile = join(dir, "time");
  const start = performance.now();
  try {
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>(
      (resolve) => {
        const child = execFile(
          "/usr/bin/time",
          ["-f", "%M", "-o", timeFile, command, ...args],
          { env, maxBuffer: 1 << 28 },
          (error, out, err) =>
            resolve({ stdout: out, stderr: err, code: error ? Number(error.code ?? 1) : 0 }),
        );
        child.stderr?.on("data", (chunk: Buffer) => {
          for (const line of chunk.toString().split("\n")) {
            if (line.trim()) process.stderr.write(`    [${label}] ${line}\n`);
          }
        });
      },
    );
    const seconds = (performance.now() - start) / 1000;
    if (code !== 0) {
      throw new Error(
        `${label}: ${command} exited with ${code}; last output:\n${stderr.split("\n").slice(-15).join("\n")}`,
      );
    }
    const kb = Number((await readFile(timeFile, "utf8")).trim().split("\n").at(-1));
    return { seconds, maxRssMb: Math.round(kb / 1024), stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The last line of a child's stdout, parsed as JSON (children print their result last). */
export function lastJson<T>(stdout: string): T {
  const line = stdout.trim().split("\n").at(-1);
  if (!line) throw new Error("the child printed no result line");
  return JSON.parse(line) as T;
}
