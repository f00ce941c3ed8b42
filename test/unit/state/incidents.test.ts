import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type IncidentSignal,
  type IncidentTransition,
  incidentTransition,
  TOLD,
} from "../../../src/state/incidents.ts";

/** Plays signals against one subject as the store does: the open incident keeps the worst severity told. */
function play(signals: IncidentSignal[]): IncidentTransition[] {
  let open: { severity: number } | undefined;
  return signals.map((signal) => {
    const transition = incidentTransition(open, signal);
    if (transition === "open" && signal) open = { severity: signal.severity };
    if (transition === "escalate" && signal) open = { severity: signal.severity };
    if (transition === "resolve") open = undefined;
    return transition;
  });
}

const failed = { level: "failed", severity: 2 };
const warn = { level: "warn", severity: 1 };
const error = { level: "error", severity: 2 };

test("a step failing on every try opens one incident, and its next success resolves it once", () => {
  const transitions = play([null, failed, failed, failed, null, null]);
  assert.deepEqual(transitions, ["none", "open", "hold", "hold", "resolve", "none"]);
  assert.deepEqual(
    transitions.filter((t) => TOLD.has(t)),
    ["open", "resolve"],
  );
});

test("freshness tells warn, then error once, not a move back to warn, and one recovery", () => {
  assert.deepEqual(play([warn, warn, error, warn, error, null, warn]), [
    "open",
    "hold",
    "escalate",
    "hold",
    "hold",
    "resolve",
    "open",
  ]);
});

test("a table that goes straight to error and recovers is one alert and one resolve", () => {
  assert.deepEqual(play([error, error, null]), ["open", "hold", "resolve"]);
});
