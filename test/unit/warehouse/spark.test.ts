import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { test } from "node:test";
import { ConfigError, DataError, TransientError } from "../../../src/errors.ts";
import { sparkError } from "../../../src/warehouse/spark/errors.ts";
import { deltaWidens, kindOf } from "../../../src/warehouse/spark/fits.ts";
import { bronzeRecord, compactsAt, formatNote } from "../../../src/warehouse/spark/metadata.ts";
import { jsonPath } from "../../../src/warehouse/spark/silver.ts";
import { literal, quoteIdent, sparkType } from "../../../src/warehouse/spark/sql.ts";
import { columnType, deltaType } from "../../../src/warehouse/spark/types.ts";

test("Spark literals escape backslashes and quotes and keep every other character", () => {
  assert.equal(literal("it's"), "'it\\'s'");
  assert.equal(literal("a\\b"), "'a\\\\b'");
  assert.equal(literal("tab\there\nnew"), "'tab\there\nnew'");
  assert.equal(quoteIdent("we`ird"), "`we``ird`");
});

test("neutral types map to Delta types that hold every value", () => {
  assert.equal(deltaType({ type: "int", bits: 64, signed: false }), "DECIMAL(20,0)");
  assert.equal(deltaType({ type: "int", bits: 8, signed: false }), "SMALLINT");
  assert.equal(deltaType({ type: "decimal", precision: 20, scale: 4 }), "DECIMAL(20,4)");
  assert.equal(deltaType({ type: "decimal", precision: 65, scale: 2 }), "STRING");
  assert.equal(deltaType({ type: "decimal", precision: null, scale: null }), "STRING");
  assert.equal(deltaType({ type: "timestamp", zoned: true }), "TIMESTAMP");
  assert.equal(deltaType({ type: "timestamp", zoned: false }), "TIMESTAMP_NTZ");
  assert.equal(deltaType({ type: "json" }), "STRING");
  const landed = { name: "n", logical: { type: "string" }, parquetType: "VARCHAR" } as const;
  assert.equal(columnType({ ...landed, override: "numeric(10, 2)" }), "DECIMAL(10,2)");
});

test("Spark types fall into the kinds a change of type may not cross", () => {
  for (const t of ["TINYINT", "int", "INTEGER", "long", "decimal(20,4)", "DEC(5,1)", "FLOAT", "double"])
    assert.equal(kindOf(t), "numeric", t);
  for (const t of ["STRING", "varchar(20)", "char(3)"]) assert.equal(kindOf(t), "string", t);
  for (const t of ["DATE", "timestamp", "TIMESTAMP_NTZ"]) assert.equal(kindOf(t), "date and time", t);
  assert.deepEqual(["BOOLEAN", "binary", "array<string>", "map<string,int>", "struct<a:int>"].map(kindOf), [
    "boolean",
    "binary",
    "array",
    "map",
    "struct",
  ]);
});

test("Delta widens in place only the type changes its type widening allows", () => {
  const widens = (from: string, to: string) => deltaWidens(from, to);
  assert.ok(widens("decimal(10,2)", "DECIMAL(20,4)"), "precision grows at least as much as the scale");
  assert.ok(widens("decimal(10,2)", "decimal(12,4)"));
  assert.ok(!widens("decimal(10,2)", "decimal(11,4)"), "fewer digits before the point");
  assert.ok(!widens("decimal(10,4)", "decimal(20,2)"), "a smaller scale");
  assert.ok(widens("int", "BIGINT") && widens("tinyint", "smallint") && widens("INTEGER", "long"));
  assert.ok(!widens("bigint", "int") && !widens("int", "int"));
  assert.ok(
    widens("int", "decimal(10,0)") && widens("bigint", "DECIMAL(20,0)") && widens("int", "decimal(12,2)"),
  );
  assert.ok(!widens("int", "decimal(9,0)") && !widens("bigint", "decimal(19,0)"));
  assert.ok(widens("int", "double") && widens("float", "double") && !widens("bigint", "double"));
  assert.ok(widens("date", "timestamp_ntz") && !widens("date", "timestamp"));
  assert.ok(
    !widens("string", "binary") &&
      !widens("timestamp_ntz", "timestamp") &&
      !widens("double", "decimal(38,10)"),
  );
});

test("spec type names are Spark types or PostgreSQL spellings of them; others are refused", () => {
  assert.equal(sparkType("text", "x"), "STRING");
  assert.equal(sparkType("timestamptz", "x"), "TIMESTAMP");
  assert.equal(sparkType("double precision", "x"), "DOUBLE");
  assert.equal(sparkType("decimal(38, 0)", "x"), "DECIMAL(38,0)");
  assert.equal(sparkType("bigint", "x"), "BIGINT");
  assert.throws(() => sparkType("int; DROP TABLE x", "silver.m.columns[0]"), ConfigError);
  assert.throws(() => sparkType("array<int>", "x"), /not a Spark SQL type name/);
});

test("JSON paths become get_json_object paths", () => {
  assert.equal(jsonPath("$.a.b[0]", "x"), "$.a.b[0]");
  assert.equal(jsonPath('$["odd key"].v', "x"), "$['odd key'].v");
  assert.throws(() => jsonPath("a", "x"), ConfigError);
});

test("each writer compacts its commit table once every 50 of its commits, writers at different turns", () => {
  const turns = (writer: string, from: number) =>
    Array.from({ length: 50 }, (_, i) => from + i).filter((seq) => compactsAt(writer, seq));
  for (const writer of ['["p","posts"]', '["p","users"]']) {
    assert.equal(turns(writer, 1).length, 1);
    assert.deepEqual(
      turns(writer, 51),
      turns(writer, 1).map((seq) => seq + 50),
    );
  }
  const offsets = new Set(Array.from({ length: 20 }, (_, i) => turns(`["p","t${i}"]`, 1)[0]));
  assert.ok(offsets.size > 10, `20 writers share ${offsets.size} turns`);
});

test("a first load's append counts as unchanged the latest rows it left out: staged keys less rows written", () => {
  const append = (note: Record<string, string>) =>
    bronzeRecord({
      deltaVersion: 1,
      operation: "WRITE",
      note: { seq: "1", version: "1", read: "12", batches: "b1", rows: "12", ...note },
      metrics: { numOutputRows: "7" },
    });
  assert.deepEqual(
    [append({ latest: "10" }).inserted, append({ latest: "10" }).unchanged, append({ latest: "10" }).version],
    [7, 3, 1],
  );
  assert.equal(append({ latest: "" }).unchanged, 0, "no deletes possible, no count");
  assert.equal(append({ gone: "2" }).unchanged, 2, "a commit noted before `latest` keeps its count");
});

test("commit notes refuse characters a SET statement would not carry", () => {
  assert.equal(formatNote("bronze", { seq: 1, batches: "b1,b2" }), "smelter/bronze/seq=1/batches=b1,b2");
  assert.throws(() => formatNote("bronze", { seq: "1; DROP" }));
});

test("errors say whether a retry helps, and name no credential", () => {
  const where = "warehouse wh (spark 127.0.0.1:10009)";
  const refused = sparkError(
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10009"), { code: "ECONNREFUSED" }),
    where,
  );
  assert.ok(refused instanceof TransientError && refused.retryable);
  const cast = sparkError(
    new Error(
      "Error running query: org.apache.spark.SparkException: Job aborted: [CAST_INVALID_INPUT] The value 'x'",
    ),
    where,
  );
  assert.ok(cast instanceof DataError && !cast.retryable);
  const parse = sparkError(
    new Error("Error running query: [PARSE_SYNTAX_ERROR] Syntax error"),
    where,
    "SELECT 1 +",
  );
  assert.ok(parse instanceof ConfigError);
  assert.match(parse.message, /statement: SELECT 1 \+/);
  assert.doesNotMatch(refused.message + cast.message + parse.message, /smelter-secret|password/);
  const conflict = sparkError(
    new Error("io.delta.exceptions.ConcurrentAppendException: Files were added"),
    where,
  );
  assert.ok(conflict instanceof TransientError);
});

/** What hive-driver's SASL PLAIN handshake rejects with when the server answers the credentials with `frame`. */
async function handshakeRefusal(frame: Buffer): Promise<unknown> {
  const hive = createRequire(import.meta.url)("hive-driver") as {
    auth: { PlainTcpAuthentication: new (o: object) => { authenticate(t: unknown): Promise<unknown> } };
  };
  const transport = Object.assign(new EventEmitter(), { connect() {}, write() {}, end() {} });
  const handshake = new hive.auth.PlainTcpAuthentication({ username: "loader", password: "pw" }).authenticate(
    transport,
  );
  transport.emit("connect");
  transport.emit("data", frame);
  return handshake.then(
    () => assert.fail("the handshake succeeded"),
    (e: unknown) => e,
  );
}

test("refused credentials are a ConfigError naming the warehouse connection, not a retryable failure", async () => {
  // HiveServer2's answer to a wrong password: SASL status ERROR (4), the reason's length, the reason.
  const reason = Buffer.from("Error validating the login");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(reason.length);
  const thrown = await handshakeRefusal(Buffer.concat([Buffer.from([4]), length, reason]));
  const refused = sparkError(thrown, "warehouse wh (spark 127.0.0.1:10009)");
  assert.ok(refused instanceof ConfigError);
  assert.equal(refused.retryable, false);
  assert.equal(
    refused.message,
    "warehouse wh (spark 127.0.0.1:10009): Authentication error: Error validating the login; the server refused the warehouse connection's credentials: fix its user or password (a retry does not help)",
  );
});
