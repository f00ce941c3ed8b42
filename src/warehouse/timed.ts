/** Runs one phase of a commit and logs how long it took (`<label> <ms> ms`), for the execution log. */
export async function timed<T>(log: (m: string) => void, label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  log(`${label} ${Math.round(performance.now() - start)} ms`);
  return result;
}
