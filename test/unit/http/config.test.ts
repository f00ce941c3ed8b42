import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig, parseTokens } from "../../../src/config.ts";

const base = {
  SMELTER_STATE_URL: "postgres://u:secret@127.0.0.1:15432/smelter",
  SMELTER_API_TOKEN: "dev-token",
};

test("defaults apply when only the state URL and a token are set", () => {
  const c = loadConfig(base);
  assert.equal(c.port, 18300);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.maxQueue, 100);
  assert.equal(c.airflow, null);
  assert.equal(c.publicUrl, "http://127.0.0.1:18300");
});

test("Airflow's API is SMELTER_AIRFLOW_URL and browsers reach its UI at SMELTER_AIRFLOW_PUBLIC_URL, by default the same", () => {
  const internal = { ...base, SMELTER_AIRFLOW_URL: "http://airflow-api-server:8080/" };
  assert.deepEqual(loadConfig(internal).airflow, {
    url: "http://airflow-api-server:8080",
    user: "admin",
    password: "admin",
    publicUrl: "http://airflow-api-server:8080",
  });
  const published = loadConfig({ ...internal, SMELTER_AIRFLOW_PUBLIC_URL: "http://127.0.0.1:18080" }).airflow;
  assert.equal(published?.url, "http://airflow-api-server:8080");
  assert.equal(published?.publicUrl, "http://127.0.0.1:18080");
  assert.throws(() => loadConfig({ ...internal, SMELTER_AIRFLOW_PUBLIC_URL: "airflow" }), {
    message:
      'SMELTER_AIRFLOW_PUBLIC_URL="airflow" is invalid: expected an absolute URL such as http://host:port',
  });
});

test("a bad value fails naming the key, the value and what was expected", () => {
  assert.throws(() => loadConfig({ ...base, SMELTER_MAX_QUEUE: "lots" }), {
    message: 'SMELTER_MAX_QUEUE="lots" is invalid: expected an integer between 1 and 9007199254740991',
  });
  assert.throws(() => loadConfig({ SMELTER_API_TOKEN: "x" }), /SMELTER_STATE_URL is not set/);
});

test("an invalid state URL is reported without echoing it (it may hold a password)", () => {
  assert.throws(
    () => loadConfig({ ...base, SMELTER_STATE_URL: "not a url secret" }),
    (e: Error) =>
      e.message.startsWith("SMELTER_STATE_URL is not a valid URL; percent-encode reserved characters") &&
      !e.message.includes("secret"),
  );
});

test("a state URL whose password holds an unencoded / is refused without echoing any of it", () => {
  assert.throws(
    () => loadConfig({ ...base, SMELTER_STATE_URL: "postgres://smelter:1234/rest-of-pw@db.internal/state" }),
    (e: Error) =>
      e.message.startsWith('SMELTER_STATE_URL: the user information ends before its "@"') &&
      e.message.includes("/ as %2F") &&
      !/1234|rest-of-pw|db\.internal|smelter:/.test(e.message),
  );
  const ok = loadConfig({ ...base, SMELTER_STATE_URL: "postgres://smelter:1234%2Frest@db.internal/state" });
  assert.equal(ok.stateUrl, "postgres://smelter:1234%2Frest@db.internal/state");
});

test("tokens: plain, named, scoped; unknown scopes are refused without echoing the token", () => {
  const tokens = parseTokens({ SMELTER_API_TOKENS: "abc, ci:def, ro:ghi:read", SMELTER_API_TOKEN: "jkl" });
  assert.deepEqual(
    tokens.map((t) => [t.name, t.token, [...t.scopes].sort()]),
    [
      ["token1", "abc", ["admin", "execute", "operate", "read"]],
      ["ci", "def", ["admin", "execute", "operate", "read"]],
      ["ro", "ghi", ["read"]],
      ["default", "jkl", ["admin", "execute", "operate", "read"]],
    ],
  );
  assert.throws(
    () => parseTokens({ SMELTER_API_TOKENS: "x:sekrit:write" }),
    (e: Error) => /unknown scope "write"/.test(e.message) && !e.message.includes("sekrit"),
  );
});
