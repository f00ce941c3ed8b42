import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a webhook receiver got, with the status it answered. */
export interface Received {
  path: string;
  status: number;
  body: Record<string, unknown>;
}

/** A webhook receiver: answers each path's scripted statuses in turn (then 200) and records every request. */
export class Receiver {
  readonly received: Received[] = [];
  readonly script = new Map<string, number[]>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "";
        const status = this.script.get(path)?.shift() ?? 200;
        this.received.push({ path, status, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
      });
    });
    this.server.listen(0, "127.0.0.1");
    await new Promise((resolve) => this.server?.once("listening", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Bodies a path accepted (status 200), as the type its format says. */
  accepted<T>(path: string): T[] {
    return this.received.filter((r) => r.path === path && r.status === 200).map((r) => r.body as T);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
