import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiToken } from "../config.ts";

/**
 * Browser sessions of the web pages. Signing in checks an API token once; the cookie then holds a random session
 * id, the token's name and an expiry, signed with a key derived from that token. No server-side store: every
 * replica verifies any cookie, and replacing or removing a token ends its sessions.
 */

export const SESSION_COOKIE = "smelter_session";

/** How long a session lasts; default 12 hours. */
export const SESSION_SECONDS = 12 * 60 * 60;

const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();
const keyOf = (token: ApiToken): Buffer => sha256(`smelter-ui-session\0${token.token}`);
const sign = (token: ApiToken, payload: string): string =>
  createHmac("sha256", keyOf(token)).update(payload).digest("base64url");

/**
 * The configured token equal to `presented`, or undefined. Every token is compared (constant time, on digests) so
 * the time taken does not tell which one came close.
 */
export function matchToken(tokens: readonly ApiToken[], presented: string): ApiToken | undefined {
  const digest = sha256(presented);
  let found: ApiToken | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(sha256(t.token), digest) && found === undefined) found = t;
  }
  return found;
}

/** A new signed cookie value for a session of `token`. */
export function issueSession(token: ApiToken, now: Date = new Date()): string {
  const body = {
    sid: randomBytes(16).toString("base64url"),
    tok: token.name,
    exp: Math.floor(now.getTime() / 1000) + SESSION_SECONDS,
  };
  const payload = Buffer.from(JSON.stringify(body)).toString("base64url");
  return `${payload}.${sign(token, payload)}`;
}

/** The token a cookie value's session belongs to, when the signature holds and it has not expired. */
export function verifySession(
  tokens: readonly ApiToken[],
  value: string | undefined,
  now: Date = new Date(),
): ApiToken | undefined {
  if (!value) return undefined;
  const [payload, signature, extra] = value.split(".");
  if (!payload || !signature || extra !== undefined) return undefined;
  let body: { tok?: unknown; exp?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof body;
  } catch {
    return undefined;
  }
  const token = tokens.find((t) => t.name === body.tok);
  if (!token || typeof body.exp !== "number" || body.exp * 1000 <= now.getTime()) return undefined;
  const expected = Buffer.from(sign(token, payload));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? token : undefined;
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The Set-Cookie value of a session (or, with `value` null, of its removal). */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Lax", ...(secure ? ["Secure"] : [])];
  return value === null
    ? `${SESSION_COOKIE}=; Max-Age=0; ${attributes.join("; ")}`
    : `${SESSION_COOKIE}=${value}; Max-Age=${SESSION_SECONDS}; ${attributes.join("; ")}`;
}

/**
 * Where to go after signing in: only a path under /ui/ of this service, so the login form cannot be used to send
 * someone to another site.
 */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/ui\/[^\\]*$/.test(next) && !next.startsWith("/ui//") ? next : "/ui/";
}

/**
 * The token a form of the pages carries with a POST, tied to the session cookie: a page of another site cannot
 * read it, so it cannot make a signed-in browser post an action.
 */
export function csrfToken(cookie: string): string {
  return createHash("sha256").update(`smelter-ui-csrf\0${cookie}`).digest("base64url");
}
