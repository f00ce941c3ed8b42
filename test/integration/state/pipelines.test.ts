import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type pg from "pg";
import { AllowedHosts } from "../../../src/config.ts";
import { parsePipeline } from "../../../src/registry.ts";
import { resolveDatabase } from "../../../src/spec/resolve.ts";
import { openStateDb } from "../../../src/state/db.ts";
import { PipelineCatalog } from "../../../src/state/pipelines.ts";
import { freshDatabase } from "../http/harness.ts";

// The catalog binds what it reads from the state database (specs registered over the API) to the secrets
// directory and the host allow-list, and leaves the specs folder's files to the open rules. The file outside
// the secrets directory is a FIFO with no writer: reading it would hang the test.

const root = realpathSync(mkdtempSync(join(tmpdir(), "smelter-catalog-")));
const secrets = join(root, "secrets");
const specsDir = join(root, "specs");
const outside = join(root, "outside-secret");
mkdirSync(secrets);
mkdirSync(specsDir);
execFileSync("mkfifo", [outside]);
writeFileSync(join(secrets, "shop_pw"), "inside-pw\n");
writeFileSync(join(root, "operator_pw"), "operator-pw\n");

const specText = (name: string, password: string, host = "db.internal") => `version: 1
name: ${name}
connections:
  shop_db: { kind: mariadb, host: ${host}, database: shop, user: u, password: { file: ${password} } }
  warehouse: { kind: postgres, url: { env: WAREHOUSE_URL } }
  landing: { kind: local, path: /tmp/landing }
warehouse: warehouse
landing: landing
tables: [{ name: orders, source: shop_db, primary_key: [id], cursor: [updated_at] }]
`;

let db: { url: string; drop: () => Promise<void> };
let pool: pg.Pool;
let catalog: PipelineCatalog;
before(async () => {
  db = await freshDatabase();
  pool = await openStateDb(db.url, 2);
  catalog = new PipelineCatalog(pool, specsDir, parsePipeline, {
    secretsDir: secrets,
    allowedHosts: new AllowedHosts(["db.internal"]),
  });
});
after(async () => {
  await pool?.end();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

test("a spec naming a secret file outside the secrets directory is not registered", async () => {
  await assert.rejects(
    catalog.register("leaky", specText("leaky", outside)),
    /pipeline leaky is not registered: connections\.shop_db\.password: secret file .*outside-secret is outside the secrets directory/,
  );
  assert.equal(await catalog.get("leaky"), undefined);
});

test("a spec naming a host off the allow-list is not registered", async () => {
  await assert.rejects(
    catalog.register("wander", specText("wander", join(secrets, "shop_pw"), "collector.evil.example")),
    /connections\.shop_db\.host: host collector\.evil\.example is not one specs registered over the API may connect to/,
  );
});

test("a registered spec reads its secret from the secrets directory, and is refused once it links outside", async () => {
  await catalog.register("shop", specText("shop", join(secrets, "shop_pw")));
  const registered = (await catalog.get("shop"))!;
  assert.equal(resolveDatabase(registered.spec, "shop_db", {}).password, "inside-pw");
  unlinkSync(join(secrets, "shop_pw"));
  symlinkSync(outside, join(secrets, "shop_pw"));
  const again = (await catalog.get("shop"))!;
  assert.throws(
    () => resolveDatabase(again.spec, "shop_db", {}),
    /secret file .*shop_pw is outside the secrets directory .* once its links are followed; nothing was read/,
  );
});

test("a spec of the specs folder keeps the open rules", async () => {
  writeFileSync(
    join(specsDir, "local.yaml"),
    specText("local", join(root, "operator_pw"), "anywhere.example"),
  );
  const local = (await catalog.get("local"))!;
  const resolved = resolveDatabase(local.spec, "shop_db", {});
  assert.deepEqual([resolved.password, resolved.host], ["operator-pw", "anywhere.example"]);
});
