import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, html, raw } from "../../../src/ui/html.ts";

test("interpolated text is escaped, including quotes for attributes", () => {
  const name = `<script>alert("x")</script>&'`;
  assert.equal(
    html`<td title="${name}">${name}</td>`.value,
    '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>',
  );
});

test("nested fragments and lists are kept as markup while their own values stay escaped", () => {
  const rows = ["a<b", "c"].map((s) => html`<li>${s}</li>`);
  assert.equal(html`<ul>${rows}</ul>`.value, "<ul><li>a&lt;b</li><li>c</li></ul>");
});

test("null, undefined and false render as nothing; numbers and true as text", () => {
  assert.equal(html`[${null}${undefined}${false}${0}${true}]`.value, "[0true]");
});

test("raw marks trusted markup; escapeHtml escapes all five special characters", () => {
  assert.equal(html`${raw("<br>")}`.value, "<br>");
  assert.equal(escapeHtml(`&<>"'`), "&amp;&lt;&gt;&quot;&#39;");
});
