import { createReadStream, createWriteStream } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type {
  DeleteObjectsCommandOutput,
  ListObjectsV2CommandOutput,
  S3Client,
  S3ClientConfig,
  _Error as S3Error,
} from "@aws-sdk/client-s3";
import { DataError, TransientError } from "../errors.ts";
import type { ResolvedLanding } from "../spec/resolve.ts";
import { joinKey } from "./layout.ts";
import type { LandingZone } from "./types.ts";

type S3Landing = Extract<ResolvedLanding, { kind: "s3" }>;
type S3Sdk = typeof import("@aws-sdk/client-s3");

/** Files above this size are uploaded in parts (S3's own minimum part size is 5 MiB). */
const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
/** Objects this zone wrote of at most this size are kept in memory for reads (see `S3LandingZone.written`). */
const KEPT_OBJECT_BYTES = 256 * 1024;
/** Bytes of written objects kept in all, per zone. */
const KEPT_BYTES = 16 * 1024 * 1024;

/**
 * A landing zone in S3 or an S3-compatible server. A PUT (single or multipart) is atomic in S3: an object is
 * visible whole or not at all, which is what the manifest-last rule relies on.
 */
export class S3LandingZone implements LandingZone {
  readonly url: string;
  private readonly config: S3ClientConfig;
  private sdk?: Promise<{ s3: S3Sdk; client: S3Client }>;
  private readonly bucket: string;
  private readonly prefix: string;
  /**
   * Small objects this zone wrote, by key, the least recently written first: a tiny batch's part and manifest are
   * read back by bronze (and the manifest by the next extract) in the same process, each a GET otherwise. Landed
   * objects are written once under new keys (batch ids) and never changed, so a kept copy is what a GET returns;
   * a delete through the zone forgets it.
   */
  private readonly written = new Map<string, Uint8Array>();
  private writtenBytes = 0;

  constructor(resolved: S3Landing) {
    const config: S3ClientConfig = {
      region: resolved.region,
      // S3 clones reject the SDK's default CRC32 trailers; send checksums only where S3 requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    if (resolved.endpoint) {
      config.endpoint = resolved.endpoint;
      config.forcePathStyle = true;
    }
    if (resolved.accessKeyId && resolved.secretAccessKey) {
      config.credentials = { accessKeyId: resolved.accessKeyId, secretAccessKey: resolved.secretAccessKey };
    }
    this.config = config;
    this.bucket = resolved.bucket;
    this.prefix = resolved.prefix;
    this.url = `s3://${joinKey(`${resolved.bucket}/${resolved.prefix}`, "").replace(/\/$/, "")}`;
  }

  /**
   * The AWS SDK and this zone's client, loaded on first use: the SDK takes a quarter of a second to import, which
   * commands that never touch a landing zone (`smelter validate`) should not pay.
   */
  private connect(): Promise<{ s3: S3Sdk; client: S3Client }> {
    this.sdk ??= import("@aws-sdk/client-s3").then((s3) => ({ s3, client: new s3.S3Client(this.config) }));
    return this.sdk;
  }

  private fullKey(key: string): string {
    return joinKey(this.prefix, key);
  }

  private fail(action: string, key: string, error: unknown): Error {
    const name = (error as { name?: string }).name ?? "Error";
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = `landing zone: cannot ${action} ${this.url}/${key} (${name}${status ? ` ${status}` : ""})`;
    // Access and bucket errors do not heal by themselves; everything else (network, 5xx, throttling) may.
    if (name === "AccessDenied" || name === "NoSuchBucket" || status === 403)
      return new DataError(message, error);
    return new TransientError(message, error);
  }

  private keep(key: string, body: Uint8Array): void {
    if (body.length > KEPT_OBJECT_BYTES) return;
    this.forget([key]);
    this.written.set(key, body);
    this.writtenBytes += body.length;
    for (const [oldest, kept] of this.written) {
      if (this.writtenBytes <= KEPT_BYTES) break;
      this.written.delete(oldest);
      this.writtenBytes -= kept.length;
    }
  }

  private forget(keys: string[]): void {
    for (const key of keys) {
      const kept = this.written.get(key);
      if (kept === undefined) continue;
      this.written.delete(key);
      this.writtenBytes -= kept.length;
    }
  }

  async putFile(key: string, localPath: string): Promise<{ bytes: number }> {
    const { size } = await stat(localPath);
    if (size <= KEPT_OBJECT_BYTES) {
      const body = await readFile(localPath);
      await this.putBytes(key, body);
      return { bytes: size };
    }
    const { s3, client } = await this.connect();
    try {
      if (size <= MULTIPART_THRESHOLD) {
        await client.send(
          new s3.PutObjectCommand({
            Bucket: this.bucket,
            Key: this.fullKey(key),
            Body: createReadStream(localPath),
            ContentLength: size,
          }),
        );
      } else {
        const { Upload } = await import("@aws-sdk/lib-storage");
        await new Upload({
          client,
          params: { Bucket: this.bucket, Key: this.fullKey(key), Body: createReadStream(localPath) },
          partSize: PART_SIZE,
          queueSize: 2,
          leavePartsOnError: false,
        }).done();
      }
    } catch (error) {
      throw this.fail("upload", key, error);
    }
    return { bytes: size };
  }

  async putBytes(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    const { s3, client } = await this.connect();
    try {
      await client.send(
        new s3.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ...(contentType ? { ContentType: contentType } : {}),
        }),
      );
    } catch (error) {
      throw this.fail("write", key, error);
    }
    this.keep(key, typeof body === "string" ? Buffer.from(body) : body);
  }

  private async get(key: string): Promise<Readable | null> {
    const { s3, client } = await this.connect();
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return out.Body as Readable;
    } catch (error) {
      if ((error as { name?: string }).name === "NoSuchKey") return null;
      throw this.fail("read", key, error);
    }
  }

  async getBytes(key: string): Promise<Uint8Array | null> {
    const kept = this.written.get(key);
    if (kept) return Buffer.from(kept);
    const body = await this.get(key);
    if (!body) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getFile(key: string, localPath: string): Promise<{ bytes: number }> {
    const kept = this.written.get(key);
    if (kept) {
      await writeFile(localPath, kept);
      return { bytes: kept.length };
    }
    const body = await this.getStream(key);
    try {
      await pipeline(body, createWriteStream(localPath));
    } catch (error) {
      throw this.fail("download", key, error);
    }
    return { bytes: (await stat(localPath)).size };
  }

  async getStream(key: string): Promise<Readable> {
    const kept = this.written.get(key);
    if (kept) return Readable.from([Buffer.from(kept)]);
    const body = await this.get(key);
    if (!body) throw new DataError(`landing zone: ${this.url}/${key} does not exist`);
    return body instanceof Readable ? body : Readable.from(body);
  }

  async *list(
    prefix: string,
    options: { startAfter?: string } = {},
  ): AsyncIterable<{ key: string; bytes: number }> {
    const strip = this.fullKey("").length;
    const { s3, client } = await this.connect();
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.fullKey(prefix),
            ...(token ? { ContinuationToken: token } : {}),
            ...(options.startAfter !== undefined && !token
              ? { StartAfter: this.fullKey(options.startAfter) }
              : {}),
          }),
        );
      } catch (error) {
        throw this.fail("list", prefix, error);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key.slice(strip), bytes: item.Size ?? 0 };
      }
      token = page.NextContinuationToken;
    } while (token);
  }

  /**
   * Deletes the objects, up to 1000 per request. S3 answers a DeleteObjects request with 200 even when some
   * keys could not be deleted, listing those in `Errors`: any such key fails the call, naming the keys and
   * their error codes, so that a caller never goes on as if they were gone (retention deletes a batch's
   * manifest only after its data files).
   */
  async delete(keys: string[]): Promise<void> {
    this.forget(keys);
    const { s3, client } = await this.connect();
    for (let i = 0; i < keys.length; i += 1000) {
      const slice = keys.slice(i, i + 1000);
      let out: DeleteObjectsCommandOutput;
      try {
        out = await client.send(
          new s3.DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: slice.map((key) => ({ Key: this.fullKey(key) })), Quiet: true },
          }),
        );
      } catch (error) {
        throw this.fail("delete", slice[0] ?? "", error);
      }
      const failed = out.Errors ?? [];
      if (failed.length > 0) throw this.notDeleted(failed, slice.length);
    }
  }

  private notDeleted(failed: S3Error[], asked: number): Error {
    const strip = this.fullKey("").length;
    const shown = failed
      .slice(0, 5)
      .map(
        (e) =>
          `${(e.Key ?? "?").slice(strip)} (${e.Code ?? "UnknownError"}${e.Message ? `: ${e.Message}` : ""})`,
      );
    const more = failed.length > shown.length ? ` and ${failed.length - shown.length} more` : "";
    const message = `landing zone: ${failed.length} of ${asked} objects in ${this.url} were not deleted: ${shown.join(", ")}${more}`;
    // Throttling and server errors pass; a refusal (access, object lock) stays until someone changes it.
    const transient = failed.every((e) => TRANSIENT_S3_CODES.has(e.Code ?? ""));
    return transient ? new TransientError(message) : new DataError(message);
  }
}

/** Per-key error codes of DeleteObjects that a later attempt may not meet again. */
const TRANSIENT_S3_CODES = new Set(["InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"]);
