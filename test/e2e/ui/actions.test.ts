import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { describeAction } from "../../../src/runtime/describe.ts";
import { PgWatermarkStore } from "../../../src/state/watermarks.ts";
import { missingStack } from "../../integration/executors/extract-helpers.ts";
import { actionPipeline, ROWS } from "../../integration/http/action-pipeline.ts";
import { call, eventually } from "../../integration/http/harness.ts";

/*
 * The recovery actions' buttons in Chromium, on the pages of a service started by this test (its own state
 * database, the real executors, the stack's MariaDB and warehouse): each confirmation shows exactly the sentence
 * the action is described by, confirming does it, and the pipeline page lists it in the audit trail. A token
 * without the operate scope sees no buttons and is refused. Screenshots go to test-artifacts/ui-actions/.
 */

const skip = missingStack("SMELTER_MARIADB_URL", "SMELTER_WAREHOUSE_URL");
const ARTIFACTS = "test-artifacts/ui-actions";

describe("recovery actions on the web pages", { skip: skip ?? false }, () => {
  const p = actionPipeline("ui");
  let browser: Browser;
  let page: Page;
  const url = () => p.svc().url;
  const pipelinePage = () => `${url()}/ui/pipelines/${p.name}`;
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });
  after(async () => {
    await browser?.close();
  });

  async function signIn(token: string): Promise<void> {
    await page.context().clearCookies();
    await page.goto(pipelinePage());
    await page.fill("#token", token);
    await page.click("button[type=submit]");
    await page.waitForURL(pipelinePage());
  }

  /** Confirms the action on the confirmation page; returns the sentence it showed. */
  async function confirm(name: string): Promise<string> {
    await page.waitForSelector("#what");
    const what = (await page.textContent("#what")) ?? "";
    await shot(`${name}-confirm`);
    await page.click("#confirm");
    await page.waitForSelector("main h1");
    await shot(`${name}-outcome`);
    return what;
  }

  /** The execution the outcome page links, once it succeeded. */
  async function followed(): Promise<string> {
    const href = await page.getAttribute("#execution", "href");
    const id = href?.split("/").at(-1) ?? "";
    await eventually(async () => {
      const r = await call(url(), "GET", `/api/v1/executions/${id}?wait=5`);
      assert.notEqual(r.body.status, "failed", JSON.stringify(r.body.error));
      return r.body.status === "success";
    }, 120_000);
    return id;
  }

  it("shows no action to a token without the operate scope, and refuses its requests", async () => {
    await signIn("read-token");
    assert.equal(await page.locator("[data-action]").count(), 0);
    const res = await page.goto(`${pipelinePage()}/actions/resync?table=${p.table}`);
    assert.equal(res?.status(), 403);
    assert.match((await page.textContent("main")) ?? "", /lacks the operate scope/);
  });

  it("re-syncs a table from its button, after a confirmation that says exactly what happens", async () => {
    await signIn("ops-token");
    await shot("pipeline");
    await page.click(`[data-action=resync]`);
    const expected = describeAction(
      p.pipeline().spec,
      { kind: "resync", table: p.table },
      { watermark: await new PgWatermarkStore(p.state().pool).read(p.name, p.table) },
    );
    assert.equal(await confirm("resync"), expected);
    assert.match((await page.textContent("#outcome")) ?? "", /Re-sync accepted/);
    await followed();
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("backfills the range typed into its form", async () => {
    await p.db().query(`UPDATE ${p.table} SET payload = 'missed' WHERE id = 70`);
    await page.goto(pipelinePage());
    await page.click(`[data-action=backfill]`);
    await page.fill("#from", "2026-01-01 00:01:00");
    await page.fill("#to", "2026-01-01 00:02:00");
    await page.click("#review");
    const what = await confirm("backfill");
    assert.match(
      what,
      /^Backfill table .* whose updated_at is at or after 2026-01-01 00:01:00 and before 2026-01-01 00:02:00/,
    );
    await followed();
    assert.deepEqual(await p.differences(), { bronze: [], silver: [] });
  });

  it("sets a watermark, and rebuilds a silver model", async () => {
    await page.goto(pipelinePage());
    await page.click(`[data-action=watermark]`);
    await page.fill("#watermark", "2026-01-01 00:30:00");
    await page.click("#review");
    assert.match(await confirm("watermark"), /^Set the watermark of table .* to 2026-01-01 00:30:00 \(now /);
    assert.match((await page.textContent("#outcome")) ?? "", /Set watermark done/);

    await page.goto(pipelinePage());
    await page.click(`[data-action=rebuild_silver]`);
    assert.match(await confirm("rebuild"), /^Rebuild silver model /);
    const id = await followed();
    const r = await call(url(), "GET", `/api/v1/executions/${id}`);
    assert.equal(r.body.metrics.inserted, ROWS);
  });

  it("re-runs a failed execution from its page and lists every action in the audit trail", async () => {
    await p.db().query(`RENAME TABLE ${p.table} TO ${p.table}_away`);
    let failed = "";
    try {
      const sub = await call(url(), "POST", "/api/v1/executions", {
        pipeline: p.name,
        step: "extract",
        table: p.table,
        idempotency_key: `fail-${p.name}`,
      });
      failed = sub.body.id;
      await eventually(async () => {
        const r = await call(url(), "GET", `/api/v1/executions/${failed}?wait=5`);
        return r.body.status === "failed";
      }, 60_000);
    } finally {
      await p.db().query(`RENAME TABLE ${p.table}_away TO ${p.table}`);
    }
    await page.goto(`${url()}/ui/executions/${failed}`);
    await page.click(`[data-action=rerun]`);
    assert.match(await confirm("rerun"), new RegExp(`^Re-run execution ${failed} \\(extract of `));
    await followed();

    await page.goto(pipelinePage());
    await shot("audit");
    const rows = await page.locator("table.audit tbody tr").allTextContents();
    const summary = rows.map((r) => r.replace(/\s+/g, " ").trim());
    assert.equal(summary.length, 5);
    for (const [i, what] of ["Re-run", "Rebuild silver", "Set watermark", "Backfill", "Re-sync"].entries()) {
      assert.match(summary[i] ?? "", new RegExp(`ops \\(ui\\) ${what}`));
      assert.match(summary[i] ?? "", /success/);
    }
  });
});
