import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import mysql from "mysql2/promise";
import pg from "pg";

// Proves that every component of the local stack (scripts/stack up) answers at the addresses stack.env names.

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/stack up and source its stack.env`);
  return value;
}

test("PostgreSQL answers a SQL round trip in the state and warehouse databases", async () => {
  for (const url of [env("SMELTER_STATE_URL"), env("SMELTER_WAREHOUSE_URL")]) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const res = await client.query<{ db: string; n: number }>(
        "SELECT current_database() AS db, $1::int AS n",
        [42],
      );
      assert.equal(res.rows[0]?.n, 42);
      assert.equal(res.rows[0]?.db, new URL(url).pathname.slice(1));
    } finally {
      await client.end();
    }
  }
});

test("MariaDB answers a SQL round trip in the social database with utf8mb4 by default", async () => {
  const conn = await mysql.createConnection({ uri: env("SMELTER_MARIADB_URL") });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT DATABASE() AS db, @@character_set_database AS cs, ? AS text",
      ["smelter 🔥"],
    );
    assert.deepEqual(rows[0], { db: "social", cs: "utf8mb4", text: "smelter 🔥" });
  } finally {
    await conn.end();
  }
});

test("S3 stores, lists and returns an object in the landing bucket", async () => {
  const s3 = new S3Client({
    endpoint: env("SMELTER_S3_ENDPOINT"),
    region: env("AWS_REGION"),
    forcePathStyle: true,
    credentials: { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY") },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const bucket = env("SMELTER_S3_BUCKET");
  const prefix = `stack-test/${randomUUID()}/`;
  const key = `${prefix}hello.txt`;
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello landing zone" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      [key],
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body?.transformToString(), "hello landing zone");
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
  }
});

test("Airflow reports version 3 and hands out an API token for the stack's admin user", async () => {
  const base = env("SMELTER_AIRFLOW_URL");
  const version = await fetch(`${base}/api/v2/version`);
  assert.equal(version.status, 200);
  const body = (await version.json()) as { version: string };
  assert.match(body.version, /^3\./);

  const token = await fetch(`${base}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username: env("SMELTER_AIRFLOW_USER"),
      password: env("SMELTER_AIRFLOW_PASSWORD"),
    }),
  });
  assert.equal(token.status, 201);
  const { access_token } = (await token.json()) as { access_token: string };
  assert.ok(access_token.length > 20);

  const dags = await fetch(`${base}/api/v2/dags?limit=1`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(dags.status, 200);
});
