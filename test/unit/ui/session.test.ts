import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTokens } from "../../../src/config.ts";
import {
  issueSession,
  matchToken,
  readCookie,
  SESSION_SECONDS,
  safeNext,
  sessionCookie,
  verifySession,
} from "../../../src/ui/session.ts";

const tokens = parseTokens({ SMELTER_API_TOKENS: "ops:ops-secret:read,ci:ci-secret" });
const ops = tokens[0]!;

test("a token signs in only when it equals a configured token exactly", () => {
  assert.equal(matchToken(tokens, "ops-secret")?.name, "ops");
  assert.equal(matchToken(tokens, "ops-secre"), undefined);
  assert.equal(matchToken(tokens, ""), undefined);
});

test("the session cookie holds a signed session of the token's name, never the token", () => {
  const value = issueSession(ops);
  assert.ok(!value.includes("ops-secret"));
  assert.equal(verifySession(tokens, value)?.name, "ops");
});

test("a tampered, foreign or expired session is refused", () => {
  const value = issueSession(ops);
  const [payload, signature] = value.split(".") as [string, string];
  const forged = Buffer.from(JSON.stringify({ sid: "x", tok: "ci", exp: 9e9 })).toString("base64url");
  assert.equal(verifySession(tokens, `${forged}.${signature}`), undefined);
  assert.equal(verifySession(tokens, `${payload}.${signature.slice(1)}x`), undefined);
  assert.equal(verifySession(parseTokens({ SMELTER_API_TOKENS: "ops:rotated:read" }), value), undefined);
  const later = new Date(Date.now() + (SESSION_SECONDS + 1) * 1000);
  assert.equal(verifySession(tokens, value, later), undefined);
  assert.equal(verifySession(tokens, "garbage"), undefined);
});

test("the cookie is HttpOnly and SameSite=Lax, Secure behind https, and can be cleared", () => {
  assert.match(
    sessionCookie("v", false),
    /^smelter_session=v; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/,
  );
  assert.match(sessionCookie("v", true), /; Secure$/);
  assert.match(sessionCookie(null, false), /^smelter_session=; Max-Age=0;/);
  assert.equal(readCookie("a=1; smelter_session=abc.def; b=2", "smelter_session"), "abc.def");
});

test("after sign-in only paths of the web pages are followed, never another site", () => {
  assert.equal(safeNext("/ui/executions/ex_1"), "/ui/executions/ex_1");
  for (const bad of ["https://evil.example/", "//evil.example/ui/", "/ui//evil.example", "/api/v1/x", 42]) {
    assert.equal(safeNext(bad), "/ui/");
  }
});
