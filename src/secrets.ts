/*
 * The values the service must never show: how they are recognised in a value, and those the process reads
 * through specs' secret references while it runs. Kept apart from the log (src/log.ts, which scrubs lines of
 * them) so that resolving a spec's references does not load the logger.
 */

/** What a redacted or scrubbed value is written as. */
export const REDACTED = "[redacted]";

/** A URL's user information: `scheme://user:password@`. */
export const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/\s@"]+):([^@\s"/]+)@/gi;

/** Adds the passwords of the URLs in `value` to `into`, as written and decoded. */
export function addUrlPasswords(value: string, into: Set<string>): void {
  for (const m of value.matchAll(URL_PASSWORD)) {
    const password = m[2]!;
    into.add(password);
    try {
      into.add(decodeURIComponent(password));
    } catch {}
  }
}

/**
 * Whether a connection URL's user information seems to end before its `@`: a password with an unencoded `/`, `?`
 * or `#` ends the authority there, so `mysql://u:1234/rest@host/db` parses as host `u`, port 1234 and database
 * `rest@host/db`, and would connect elsewhere and show the rest of the password as a database name. Seen as an `@`
 * left in the path, or in the query or fragment of a URL with no user parsed. A URL whose `@` ends its user
 * information is never refused; a database name holding `@` must be written `%40`.
 */
export function userinfoCutShort(url: URL): boolean {
  if (url.pathname.includes("@")) return true;
  return url.username === "" && url.password === "" && `${url.search}${url.hash}`.includes("@");
}

/**
 * What to tell about a connection URL that does not parse or whose user information ends early, after the setting's
 * name; never any part of the value.
 */
export const URL_ENCODING_HINT =
  "percent-encode reserved characters in the user and password (/ as %2F, ? as %3F, # as %23, @ as %40, : as %3A) and an @ in the database name as %40 (value not shown)";

/**
 * Values shorter than this are never scrubbed: replacing them would garble ordinary words (a local stack's
 * password `smelter` would blank the service's own name).
 */
const MIN_SECRET_LENGTH = 8;

export const longestFirst = (values: Iterable<string>): string[] =>
  [...values].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);

const resolved = new Set<string>();
let resolvedVersion = 0;

/**
 * Adds a secret the process read through a spec's `{env: …}` or `{file: …}` reference (src/spec/resolve.ts) to
 * what every service log line and notification body is scrubbed of from then on, whatever the variable or file
 * is called: a password, a connection URL (and the password in it), a key, a webhook URL.
 */
export function rememberSecret(value: string): void {
  const before = resolved.size;
  resolved.add(value);
  addUrlPasswords(value, resolved);
  if (resolved.size !== before) resolvedVersion++;
}

/**
 * `given` and every secret remembered so far, longest first; the function answers the list as it is when called
 * (rebuilt only after something new was remembered).
 */
export function withRemembered(given: readonly string[]): () => readonly string[] {
  let version = -1;
  let list: readonly string[] = given;
  return () => {
    if (version !== resolvedVersion) {
      version = resolvedVersion;
      list = longestFirst(new Set([...given, ...resolved]));
    }
    return list;
  };
}

/**
 * A scrubber of plain text (an execution's log lines): URL passwords, and `given` and every secret remembered
 * since (`rememberSecret`) wherever they appear.
 */
export function textScrubber(given: readonly string[]): (text: string) => string {
  const secrets = withRemembered(given);
  return (text) => {
    let out = text.replace(URL_PASSWORD, `$1:${REDACTED}@`);
    for (const secret of secrets()) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
