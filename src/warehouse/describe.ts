/**
 * What `read` returns, or `fallback` when it fails because what it reads does not exist yet (`isMissing` tells a
 * warehouse's error for a missing schema or table apart): the read-only look at a pipeline's warehouse finds
 * nothing before the first bronze run, and shows that instead of failing.
 */
export async function unlessMissing<T>(
  read: () => Promise<T>,
  fallback: T,
  isMissing: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isMissing(error)) return fallback;
    throw error;
  }
}
