/**
 * Test hook for crash tests: when `SMELTER_FAULT_POINT` names a point the process reaches (e.g.
 * `bronze:after-merge`, just before COMMIT), the process kills itself with SIGKILL there, as a crash would.
 * `SMELTER_FAULT_SKIP=n` lets the point pass n times first. Unset in production: then this does nothing.
 *
 * Points: bronze:after-stage, bronze:after-round (a round of a change batch applied, the next not yet; skip n to
 * pass n rounds), bronze:after-merge, bronze:after-commit, silver:after-merge, silver:after-commit,
 * extract:after-manifest (a batch's manifest written, its watermark not yet saved), extract:cdc-drain (a
 * transaction's changes written to a cdc drain's parts), extract:before-confirm (a cdc drain's positions stored, the
 * replication slot not yet told).
 */
export function faultHook(env: NodeJS.ProcessEnv): (point: string) => void {
  const wanted = env.SMELTER_FAULT_POINT;
  if (!wanted) return () => undefined;
  let skip = Number(env.SMELTER_FAULT_SKIP ?? 0);
  return (point) => {
    if (point !== wanted) return;
    if (skip-- > 0) return;
    process.kill(process.pid, "SIGKILL");
  };
}
