import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

// An editor's view of the published schema: the YAML language server (the one behind the YAML extensions of
// VS Code, Neovim, Helix, Zed), run over stdio as an editor runs it, with a spec that names the schema in the
// same first-line comment as examples/*.yaml.

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SERVER = `${ROOT}node_modules/yaml-language-server/bin/yaml-language-server`;
const TIMEOUT_MS = 20_000;

interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
}

interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

/** A language-server client over the server's stdin/stdout (Content-Length framed JSON-RPC). */
class LanguageServerClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly replies = new Map<number, (message: Message) => void>();
  private readonly published = new Map<string, (diagnostics: Diagnostic[]) => void>();
  private readonly stderr: string[] = [];

  constructor() {
    this.child = spawn(process.execPath, [SERVER, "--stdio"], { cwd: ROOT });
    this.child.stdout.on("data", (chunk: Buffer) => this.read(chunk));
    this.child.stderr.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString()));
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return this.bounded(
      `${method} answered`,
      new Promise((resolve, reject) => {
        this.replies.set(id, (reply) =>
          reply.error ? reject(new Error(reply.error.message)) : resolve(reply.result),
        );
        this.send({ id, method, params });
      }),
    );
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** Opens a document and resolves with the first diagnostics the server publishes for it. */
  open(uri: string, text: string): Promise<Diagnostic[]> {
    const diagnostics = new Promise<Diagnostic[]>((resolve) => this.published.set(uri, resolve));
    this.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: 1, text } });
    return this.bounded(`diagnostics of ${uri}`, diagnostics);
  }

  stop(): void {
    this.child.kill();
  }

  private send(message: Message): void {
    const body = JSON.stringify({ jsonrpc: "2.0", ...message });
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.handle(message);
    }
  }

  private handle(message: Message): void {
    if (message.method === "textDocument/publishDiagnostics") {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: Diagnostic[] };
      this.published.get(uri)?.(diagnostics);
      this.published.delete(uri);
    } else if (message.method === "workspace/configuration" && message.id !== undefined) {
      // The settings an editor sends: validation on, nothing else changed.
      const { items } = message.params as { items: { section?: string }[] };
      this.send({
        id: message.id,
        result: items.map((i) => (i.section === "yaml" ? { validate: true } : {})),
      });
    } else if (message.method !== undefined && message.id !== undefined) {
      this.send({ id: message.id, result: null });
    } else if (message.id !== undefined) {
      this.replies.get(message.id)?.(message);
      this.replies.delete(message.id);
    }
  }

  private bounded<T>(what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms; server stderr: ${this.stderr.join("")}`)),
        TIMEOUT_MS,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

let server: LanguageServerClient;

before(async () => {
  server = new LanguageServerClient();
  await server.request("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(ROOT).href,
    capabilities: { workspace: { configuration: true } },
  });
  server.notify("initialized", {});
});

after(() => server.stop());

/** A document beside examples/social.yaml (never written to disk), so that its schema comment resolves alike. */
const exampleUri = (name: string) => pathToFileURL(`${ROOT}examples/${name}`).href;

/** Zero-based line and column of the first occurrence of `needle` in `text`. */
function locate(text: string, needle: string): { line: number; character: number } {
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `the spec holds ${needle}`);
  return { line, character: lines[line]!.indexOf(needle) };
}

test(
  "the language server reports a misspelled key and a wrong enum value, each at its line and column",
  { timeout: TIMEOUT_MS * 2 },
  async () => {
    const spec = [
      "# yaml-language-server: $schema=../schema/pipeline.schema.json",
      "version: 1",
      "name: shop",
      "connections:",
      "  shop_db: { kind: mariadb, host: db.internal, password: { env: SHOP_PW } }",
      "  warehouse: { kind: postgres, host: pg.internal }",
      "  landing: { kind: local, path: /var/lib/smelter/landing }",
      "warehouse: warehouse",
      "landing: landing",
      "tables:",
      "  - name: orders",
      "    source: shop_db",
      "    primary_keys: [id]",
      "    mode: incremantal",
      "",
    ].join("\n");
    const diagnostics = await server.open(exampleUri("misspelled.yaml"), spec);
    const at = (d: Diagnostic) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`;

    const key = locate(spec, "primary_keys");
    const unknownKey = diagnostics.find((d) => d.message.includes("primary_keys"));
    assert.ok(unknownKey, `no diagnostic names primary_keys; got ${diagnostics.map(at).join(" | ")}`);
    assert.match(unknownKey.message, /not allowed/);
    assert.deepEqual(unknownKey.range.start, key, at(unknownKey));
    assert.equal(unknownKey.severity, 1);

    const value = locate(spec, "incremantal");
    const wrongValue = diagnostics.find((d) => d.range.start.line === value.line);
    assert.ok(wrongValue, `no diagnostic on line ${value.line + 1}; got ${diagnostics.map(at).join(" | ")}`);
    assert.deepEqual(wrongValue.range.start, value, at(wrongValue));
    assert.match(wrongValue.message, /"incremental"/);
    assert.match(wrongValue.message, /"full"/);
    assert.equal(wrongValue.severity, 1);
  },
);

test(
  "the language server finds nothing wrong in the example pipeline",
  { timeout: TIMEOUT_MS * 2 },
  async () => {
    const text = readFileSync(`${ROOT}examples/social.yaml`, "utf8");
    assert.deepEqual(await server.open(exampleUri("social.yaml"), text), []);
  },
);
