import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { BatchManifest } from "../../../src/landing/types.ts";
import type { TableSpec } from "../../../src/spec/types.ts";
import { DUCK_CSV, duckCsvFile, duckCsvStream } from "../../../src/warehouse/postgres/staging/fifo.ts";
import { dataQuery, keysAreUnique } from "../../../src/warehouse/postgres/staging/parquet.ts";

let dir: string;
let duck: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "smelter-stage-"));
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});
after(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function manifest(batchId: string, keys: string[]): BatchManifest {
  return {
    format: "smelter.manifest/v1",
    batchId,
    pipeline: "p",
    table: "t",
    source: { name: "s", kind: "test", snapshot: {} },
    mode: "incremental",
    createdAt: "2026-01-01T00:00:00Z",
    primaryKey: ["id"],
    cursor: [],
    watermark: { from: null, to: null, lagSeconds: 0 },
    schema: { columns: [], fingerprint: "", added: [], removed: [] },
    files: keys.map((key) => ({ key, rows: 0, bytes: 0 })),
    rows: 0,
  };
}

const table = { primaryKey: ["id"], typeOverrides: {} } as unknown as TableSpec;

async function parquet(name: string, select: string): Promise<string> {
  const path = join(dir, name);
  await duck.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  return path;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe("bronze staging rows", () => {
  test("wide decimals print the same digits whether or not they fit 18 digits", async () => {
    const values = [
      "1.2345",
      "-99999999999999.9999",
      "99999999999999.9999",
      "100000000000000.0000",
      "-1234567890123456.7890",
      "0.0000",
    ];
    const rows = values.map((v, i) => `SELECT ${i} AS id, ${v}::DECIMAL(20,4) AS amount`).join(" UNION ALL ");
    const path = await parquet("dec.parquet", `${rows} UNION ALL SELECT 9, NULL::DECIMAL(20,4)`);
    const columns = [
      { name: "id", type: "bigint" },
      { name: "amount", type: "numeric(20,4)" },
    ];
    const query = await dataQuery(duck, [manifest("b1", ["k"])], columns, new Map([["k", path]]));
    assert.ok(query);
    const out = join(dir, "dec.csv");
    await duck.run(`COPY (${query({ target: "staging" })}) TO '${out}' (${DUCK_CSV})`);
    const printed = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((line) => line.split("\t").slice(0, 2));
    assert.deepEqual(
      printed.sort((a, b) => Number(a[0]) - Number(b[0])),
      [...values.map((v, i) => [String(i), v]), ["9", ""]],
    );
  });

  test("the bronze layout prints the batch id and the load time instead of batch and row order", async () => {
    const path = await parquet("one.parquet", "SELECT 7::BIGINT AS id");
    const query = await dataQuery(
      duck,
      [manifest("b7", ["k"])],
      [{ name: "id", type: "bigint" }],
      new Map([["k", path]]),
    );
    assert.ok(query);
    const stream = duckCsvStream(duck, join(dir, "one.fifo"), query({ target: "bronze", loadedAt: "T" }));
    const [text] = await Promise.all([readAll(stream.rows), stream.finished]);
    assert.equal(text, "7\tb7\tT\n");
    const bare = duckCsvStream(duck, join(dir, "two.fifo"), query({ target: "bronze", bookkeeping: false }));
    const [data] = await Promise.all([readAll(bare.rows), bare.finished]);
    assert.equal(data, "7\n");
  });

  test("a small load printed to a file streams the same rows as through the pipe", async () => {
    const path = await parquet("small.parquet", "SELECT * FROM (VALUES (1, 'a\tb'), (2, NULL)) v(id, s)");
    const query = await dataQuery(
      duck,
      [manifest("b9", ["k"])],
      [
        { name: "id", type: "bigint" },
        { name: "s", type: "text" },
      ],
      new Map([["k", path]]),
    );
    assert.ok(query);
    const sql = query({ target: "bronze", loadedAt: "T" });
    const piped = duckCsvStream(duck, join(dir, "small.fifo"), sql);
    const [viaPipe] = await Promise.all([readAll(piped.rows), piped.finished]);
    const filed = duckCsvFile(duck, join(dir, "small.csv"), sql);
    const [viaFile] = await Promise.all([readAll(filed.rows), filed.finished]);
    assert.equal(viaFile, viaPipe);
    const failing = duckCsvFile(duck, join(dir, "bad.csv"), "SELECT error('broken value')");
    await assert.rejects(readAll(failing.rows), /broken value/);
    await assert.rejects(failing.finished, /broken value/);
  });

  test("a DuckDB failure fails the stream instead of ending it short", async () => {
    const stream = duckCsvStream(
      duck,
      join(dir, "bad.fifo"),
      "SELECT i, CASE WHEN i = 90000 THEN error('broken value') ELSE 'x' END FROM range(100000) r(i)",
    );
    await assert.rejects(readAll(stream.rows), /broken value/);
    await assert.rejects(stream.finished, /broken value/);
  });

  test("a consumer that gives up stops DuckDB instead of leaving it blocked on the pipe", async () => {
    const stream = duckCsvStream(
      duck,
      join(dir, "quit.fifo"),
      "SELECT i, repeat('x', 100) FROM range(5000000) r(i)",
    );
    await new Promise<void>((resolve) => stream.rows.once("data", () => resolve()));
    stream.rows.destroy();
    await assert.rejects(stream.finished);
    const after = await duck.runAndReadAll("SELECT 42 AS n");
    assert.equal(after.getRowObjects()[0]?.n, 42);
  });

  test("duplicate keys across a group's files are found", async () => {
    const a = await parquet("a.parquet", "SELECT * FROM (VALUES (1), (2)) v(id)");
    const b = await parquet("b.parquet", "SELECT * FROM (VALUES (3), (2)) v(id)");
    const files = new Map([
      ["a", a],
      ["b", b],
    ]);
    assert.equal(await keysAreUnique(duck, [manifest("b1", ["a"])], table, files), true);
    assert.equal(
      await keysAreUnique(duck, [manifest("b1", ["a"]), manifest("b2", ["b"])], table, files),
      false,
    );
    const overridden = { ...table, typeOverrides: { id: "integer" } } as TableSpec;
    assert.equal(await keysAreUnique(duck, [manifest("b1", ["a"])], overridden, files), false);
  });
});
