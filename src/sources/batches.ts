import type { Readable } from "node:stream";

/**
 * Groups an object-mode stream's rows into arrays of `size`, reading with `read()` instead of one awaited
 * iteration per row (which costs more than parsing the row). The stream stays paused while a batch is being
 * consumed, so the driver's backpressure holds.
 */
export async function* batches<T>(stream: Readable, size: number): AsyncIterable<T[]> {
  let ended = false;
  let failed: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const notify = () => wake?.();
  stream.on("readable", notify);
  stream.once("end", () => {
    ended = true;
    notify();
  });
  stream.once("error", (error) => {
    failed = { error };
    notify();
  });
  let batch: T[] = [];
  for (;;) {
    for (let row = stream.read() as T | null; row !== null; row = stream.read() as T | null) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (failed) throw (failed as { error: unknown }).error;
    if (ended) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = null;
  }
  if (batch.length) yield batch;
}
