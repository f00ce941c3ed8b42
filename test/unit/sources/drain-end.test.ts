import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { TransientError } from "../../../src/errors.ts";
import { drainEnd } from "../../../src/sources/drain-end.ts";

const quiet = (seconds: number) => new TransientError(`nothing for ${seconds} s`);

test("a drain ends once: the first finish settles it and stops reading, later ones change nothing", async () => {
  let stops = 0;
  const ending = drainEnd(new AbortController().signal, quiet, () => stops++);
  assert.equal(ending.settled, false);
  ending.finish();
  ending.finish(new Error("late"));
  await ending.done;
  assert.equal(ending.settled, true);
  assert.equal(stops, 1);
});

test("a cancelled execution ends its drain with a CancelledError", async () => {
  const abort = new AbortController();
  let stops = 0;
  const ending = drainEnd(abort.signal, quiet, () => stops++);
  abort.abort();
  await assert.rejects(ending.done, (error: Error & { type?: string }) => error.type === "Cancelled");
  assert.equal(stops, 1);
});

test("a server quiet for 60 s ends the drain with the retryable error it names; anything arriving starts over", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const ending = drainEnd(new AbortController().signal, quiet);
  ending.armIdle();
  t.mock.timers.tick(59_000);
  ending.armIdle();
  t.mock.timers.tick(59_000);
  assert.equal(ending.settled, false, "an event restarted the wait");
  t.mock.timers.tick(1_000);
  assert.equal(ending.settled, true);
  await assert.rejects(ending.done, (error: Error & { retryable?: boolean }) => {
    assert.equal(error.message, "nothing for 60 s");
    assert.equal(error.retryable, true);
    return true;
  });
});

test("a drain that ended leaves no listener on the execution's signal", async () => {
  const abort = new AbortController();
  const ending = drainEnd(abort.signal, quiet);
  assert.equal(getEventListeners(abort.signal, "abort").length, 1);
  ending.finish();
  await ending.done;
  assert.equal(getEventListeners(abort.signal, "abort").length, 0);
});
