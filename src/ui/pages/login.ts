import { type Html, html } from "../html.ts";
import { layout, notice } from "../layout.ts";

/** The sign-in form: an API token in, a session cookie out; `next` is where to go afterwards. */
export function loginPage(options: { next: string; failed?: boolean; signedOut?: boolean }): Html {
  const body = html`<div class="login card">
<h1>Sign in</h1>
${options.failed ? notice("error", "That token is not valid", "Use one of the service's API tokens (SMELTER_API_TOKEN).") : null}
${options.signedOut ? notice("empty", "Signed out") : null}
<form method="post" action="/ui/login">
  <input type="hidden" name="next" value="${options.next}">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <button type="submit">Sign in</button>
</form>
<p class="muted small">The token is checked once; the browser keeps only a signed session cookie.</p>
</div>`;
  return layout({ title: "Sign in", body });
}

/** A designed error page (404, 503, 500) with a way back. */
export function errorPage(options: {
  status: number;
  title: string;
  detail: string;
  signedIn: boolean;
}): Html {
  const body = html`${notice(options.status >= 500 ? "error" : "warn", options.title, options.detail)}
<p><a href="/ui/">Back to the pipelines</a></p>`;
  return layout({ title: options.title, signedIn: options.signedIn, body });
}
