import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { DataError, TransientError } from "../../../src/errors.ts";
import { S3LandingZone } from "../../../src/landing/s3.ts";

// S3 answers DeleteObjects with 200 and lists the keys it could not delete in <Error> elements of the body.
// The S3 emulator of the local stack never reports per-key errors for deletes by key (it only does for locked
// object versions), so this test answers DeleteObjects itself, with the response body S3 documents.

let server: Server;
let answer = "";
const asked: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      asked.push(`${req.method} ${req.url}`, ...[...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!));
      res.writeHead(200, { "content-type": "application/xml" }).end(answer);
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
});
after(() => server.close());

function zone(): S3LandingZone {
  const { port } = server.address() as AddressInfo;
  return new S3LandingZone({
    name: "landing",
    kind: "s3",
    bucket: "lake",
    prefix: "pre",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: "k",
    secretAccessKey: "s",
  });
}

const result = (errors: [key: string, code: string][]) =>
  `<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${errors
    .map(([key, code]) => `<Error><Key>${key}</Key><Code>${code}</Code><Message>no</Message></Error>`)
    .join("")}</DeleteResult>`;

test("a delete that S3 answers without per-key errors succeeds", async () => {
  answer = result([]);
  asked.length = 0;
  await zone().delete(["a/1.parquet", "a/2.parquet"]);
  assert.match(asked[0]!, /^POST \/lake\/?\?delete/);
  assert.deepEqual(asked.slice(1), ["pre/a/1.parquet", "pre/a/2.parquet"]);
});

test("keys S3 could not delete fail the delete, named with their codes, and are not retried", async () => {
  answer = result([
    ["pre/a/1.parquet", "AccessDenied"],
    ["pre/a/2.parquet", "InternalError"],
  ]);
  await assert.rejects(zone().delete(["a/1.parquet", "a/2.parquet", "a/3.parquet"]), (error: Error) => {
    assert.ok(error instanceof DataError);
    assert.equal(
      error.message,
      "landing zone: 2 of 3 objects in s3://lake/pre were not deleted: a/1.parquet (AccessDenied: no), a/2.parquet (InternalError: no)",
    );
    return true;
  });
});

test("keys that failed only for passing reasons (throttling, server errors) make a retryable error", async () => {
  answer = result([["pre/a/1.parquet", "SlowDown"]]);
  await assert.rejects(zone().delete(["a/1.parquet"]), TransientError);
});

test("a small object the zone wrote is read back without a request, until the zone deletes it", async () => {
  answer = result([]);
  asked.length = 0;
  const z = zone();
  await z.putBytes("t/_manifests/b1.json", '{"kept":true}');
  assert.equal(Buffer.from((await z.getBytes("t/_manifests/b1.json"))!).toString(), '{"kept":true}');
  assert.deepEqual(
    asked.filter((line) => /^(GET|PUT|POST) /.test(line)).map((line) => line.split(" ")[0]),
    ["PUT"],
  );
  await z.delete(["t/_manifests/b1.json"]);
  asked.length = 0;
  await z.getBytes("t/_manifests/b1.json");
  assert.match(asked[0]!, /^GET \/lake\/pre\/t\/_manifests\/b1\.json/);
});
