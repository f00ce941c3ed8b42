import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { AllowedHosts, type RegisteredSpecRules } from "../../../src/config.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { confine, confinementProblems, resolveDatabase, resolveLanding } from "../../../src/spec/resolve.ts";
import type { PipelineSpec } from "../../../src/spec/types.ts";

// Specs registered over the API may read secret files only from the secrets directory and connect only to the
// allowed hosts; specs from the operator's own files keep the open rules. Files outside the directory are FIFOs
// with no writer: opening one would block the test, so a passing test also shows that nothing was read.

const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-secrets-")));
after(() => rmSync(root, { recursive: true, force: true }));
const secrets = join(root, "secrets");
const outside = join(root, "outside");
mkdirSync(join(secrets, "db"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(secrets, "db", "password"), "inside-pw\n");
writeFileSync(join(root, "plain-file"), "operator-pw\n");
execFileSync("mkfifo", [join(outside, "shadow")]);
symlinkSync(join(outside, "shadow"), join(secrets, "escape"));
symlinkSync(join(secrets, "db", "password"), join(secrets, "alias"));

const rules: RegisteredSpecRules = { secretsDir: secrets, allowedHosts: null };

function spec(
  password: string,
  host = "127.0.0.1",
  landing = "{ kind: local, path: /tmp/landing }",
): PipelineSpec {
  return parsePipeline(
    `version: 1
name: shop
connections:
  shop_db: { kind: mariadb, host: ${host}, database: shop, user: u, password: ${password} }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: ${landing}
warehouse: warehouse
landing: landing
tables: [{ name: orders, source: shop_db, primary_key: [id], cursor: [updated_at] }]
`,
    "shop.yaml",
  ).spec;
}

const password = (s: PipelineSpec) => resolveDatabase(s, "shop_db", {}).password;

describe("secret files of a spec registered over the API", () => {
  const file = (path: string) => `{ file: "${secrets}/${path}" }`;

  test("are read from the secrets directory", () => {
    assert.equal(password(confine(spec(file("db/password")), rules)), "inside-pw");
  });

  test("may be links that stay inside the directory", () => {
    assert.equal(password(confine(spec(file("alias")), rules)), "inside-pw");
  });

  test("outside the directory are refused without being opened", () => {
    assert.throws(
      () => password(confine(spec(`{ file: ${join(outside, "shadow")} }`), rules)),
      /connections\.shop_db\.password: secret file .*shadow is outside the secrets directory .*; nothing was read/,
    );
  });

  test("that are links leading outside the directory are refused without being opened", () => {
    assert.throws(
      () => password(confine(spec(file("escape")), rules)),
      /secret file .*\/escape is outside the secrets directory .* once its links are followed; nothing was read/,
    );
  });

  test('with ".." are refused, even when they would land inside', () => {
    for (const path of ["../outside/shadow", "db/../db/password"]) {
      assert.throws(
        () => password(confine(spec(file(path)), rules)),
        /is refused: "\.\." is not allowed in specs registered over the API/,
        path,
      );
    }
  });

  test("are refused when no secrets directory is configured", () => {
    assert.throws(
      () => password(confine(spec(file("db/password")), { secretsDir: null, allowedHosts: null })),
      /secret file .*\/db\/password is refused: .* none is configured \(SMELTER_SECRETS_DIR\); nothing was read/,
    );
  });

  test("that are not regular files are refused", () => {
    mkdirSync(join(secrets, "a-directory"), { recursive: true });
    assert.throws(
      () => password(confine(spec(file("a-directory")), rules)),
      /secret file .*\/a-directory is not a regular file/,
    );
  });

  test("may still come from the environment", () => {
    const s = confine(spec("{ env: SHOP_PW }"), rules);
    assert.equal(resolveDatabase(s, "shop_db", { SHOP_PW: "from-env" }).password, "from-env");
  });
});

test("a spec from the operator's own files reads secret files anywhere, as before", () => {
  assert.equal(password(spec(`{ file: ${join(root, "plain-file")} }`)), "operator-pw");
});

describe("hosts of a spec registered over the API", () => {
  const allow = (...entries: string[]): RegisteredSpecRules => ({
    secretsDir: secrets,
    allowedHosts: new AllowedHosts(entries),
  });

  test("must be on the allow-list when there is one", () => {
    const s = confine(spec("{ env: PW }", "db.evil.example"), allow("db.internal", "*.corp.example"));
    assert.throws(
      () => resolveDatabase(s, "shop_db", { PW: "x" }),
      /connections\.shop_db\.host: host db\.evil\.example is not one specs registered over the API may connect to \(SMELTER_ALLOWED_HOSTS: db\.internal, \*\.corp\.example\); nothing was connected/,
    );
    for (const host of ["db.internal", "DB.Internal", "mysql.eu.corp.example", "10.1.2.3"]) {
      const ok = confine(spec("{ env: PW }", host), allow("db.internal", "*.corp.example", "10.0.0.0/8"));
      assert.equal(resolveDatabase(ok, "shop_db", { PW: "x" }).host, host);
    }
  });

  test("of a URL from a secret are checked once the URL is read", () => {
    const s = parsePipeline(
      `version: 1
name: shop
connections:
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables: [{ name: orders, source: warehouse, primary_key: [id], cursor: [updated_at] }]
`,
      "shop.yaml",
    ).spec;
    confine(s, allow("db.internal"));
    const env = { WAREHOUSE_URL: "postgres://u:pw@elsewhere.example:5432/wh" };
    assert.throws(() => resolveDatabase(s, "warehouse", env), /host elsewhere\.example is not one/);
  });

  test("include the S3 endpoint, or AWS's host for the bucket when there is none", () => {
    const s3 = (endpoint: string) =>
      confine(
        spec("{ env: PW }", "db.internal", `{ kind: s3, bucket: landing, region: eu-west-1${endpoint} }`),
        allow("db.internal", "s3.internal"),
      );
    assert.equal(resolveLanding(s3(", endpoint: http://s3.internal:9000"), "landing", {}).kind, "s3");
    assert.throws(
      () => resolveLanding(s3(", endpoint: https://collector.evil.example"), "landing", {}),
      /connections\.landing\.endpoint: host collector\.evil\.example is not one/,
    );
    assert.throws(
      () => resolveLanding(s3(""), "landing", {}),
      /connections\.landing: host landing\.s3\.eu-west-1\.amazonaws\.com is not one/,
    );
  });

  test("are not limited without an allow-list, nor for the operator's own specs", () => {
    const s = confine(spec("{ env: PW }", "anywhere.example"), rules);
    assert.equal(resolveDatabase(s, "shop_db", { PW: "x" }).host, "anywhere.example");
    assert.equal(resolveDatabase(spec("{ env: PW }", "anywhere.example"), "shop_db", { PW: "x" }).port, 3306);
  });
});

test("registration is refused for secret files and literal hosts a confined spec may not use", () => {
  const s = spec(`{ file: ${join(outside, "shadow")} }`, "db.evil.example");
  const problems = confinementProblems(s, {
    secretsDir: secrets,
    allowedHosts: new AllowedHosts(["db.internal"]),
  });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /password: secret file .*shadow is outside the secrets directory/);
  assert.match(problems[1]!, /host: host db\.evil\.example is not one/);
  const later = spec(`{ file: ${join(secrets, "not-there-yet")} }`);
  assert.deepEqual(confinementProblems(later, rules), [], "a file may be put in place after registering");
});
