import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { TransientError } from "../errors.ts";
import { joinKey } from "./layout.ts";
import type { LandingZone } from "./types.ts";

/**
 * A landing zone in a local directory: the embedded default for one machine. Same keys as S3; every write goes
 * to a temporary file beside the target and is renamed into place, so readers never see a partial object.
 * Temporary names start with `.tmp-` and are skipped by `list`.
 */
export class LocalLandingZone implements LandingZone {
  readonly url: string;
  private readonly root: string;

  constructor(directory: string, prefix: string) {
    this.root = join(directory, ...joinKey(prefix, "").split("/").filter(Boolean));
    this.url = pathToFileURL(this.root).href;
  }

  private path(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  private async atomicWrite(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.path(key);
    const tmp = join(dirname(target), `.tmp-${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(dirname(target), { recursive: true });
      await write(tmp);
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw ioError("write", `${this.url}/${key}`, error);
    }
  }

  async putFile(key: string, localPath: string): Promise<{ bytes: number }> {
    await this.atomicWrite(key, (tmp) => copyFile(localPath, tmp));
    return { bytes: (await stat(this.path(key))).size };
  }

  async putBytes(key: string, body: Uint8Array | string): Promise<void> {
    await this.atomicWrite(key, (tmp) => writeFile(tmp, body));
  }

  async getBytes(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw ioError("read", `${this.url}/${key}`, error);
    }
  }

  async getFile(key: string, localPath: string): Promise<{ bytes: number }> {
    try {
      await copyFile(this.path(key), localPath);
      return { bytes: (await stat(localPath)).size };
    } catch (error) {
      throw ioError("read", `${this.url}/${key}`, error);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.path(key);
    try {
      await stat(path);
    } catch (error) {
      throw ioError("read", `${this.url}/${key}`, error);
    }
    return createReadStream(path);
  }

  async *list(
    prefix: string,
    options: { startAfter?: string } = {},
  ): AsyncIterable<{ key: string; bytes: number }> {
    const found: { key: string; bytes: number }[] = [];
    // Walk only the directory that holds the prefix; the rest of the prefix filters names.
    const base = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/") + 1) : "";
    await this.walk(base, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const entry of found) {
      if (!entry.key.startsWith(prefix)) continue;
      if (options.startAfter !== undefined && entry.key <= options.startAfter) continue;
      yield entry;
    }
  }

  private async walk(dirKey: string, out: { key: string; bytes: number }[]): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(this.path(dirKey), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw ioError("list", `${this.url}/${dirKey}`, error);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".tmp-")) continue;
      const key = `${dirKey}${entry.name}`;
      if (entry.isDirectory()) await this.walk(`${key}/`, out);
      else if (entry.isFile()) out.push({ key, bytes: (await stat(this.path(key))).size });
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.path(key), { force: true });
  }
}

function ioError(action: string, where: string, error: unknown): TransientError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new TransientError(`landing zone: cannot ${action} ${where.split(sep).join("/")} (${code})`, error);
}
