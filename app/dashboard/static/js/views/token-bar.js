// The admin token field, as on the GraphiQL page: kept in this browser's localStorage.
import { html } from "../../vendor/lit-html/lit-html.js";
import { changeToken, dropToken } from "../actions/session.js";
import { when } from "../format.js";
import { readToken } from "../token.js";

function identity(session) {
  const me = session.me;
  if (session.error) return html`<span class="token-error" id="me">${session.error.message}</span>`;
  if (!me) return "";
  const expiry = me.tokenExpiresAt ? `, token expires ${when(me.tokenExpiresAt)}` : "";
  return html`<span class="me" id="me">${me.email} (${me.role}${expiry})</span>`;
}

export function tokenBar(session) {
  const token = readToken();
  const submit = (event) => {
    event.preventDefault();
    changeToken(new FormData(event.target).get("token"));
  };
  return html`<form class="token" autocomplete="off" @submit=${submit}>
    <strong>Lifeboat</strong>
    <label for="token-input">Admin token</label>
    <input
      id="token-input"
      name="token"
      type="password"
      spellcheck="false"
      .value=${token}
      placeholder="make one with: lifeboat admin create EMAIL"
    />
    <button type="submit">Use token</button>
    <button type="button" @click=${dropToken}>Forget</button>
    <span class="token-state ${token ? "" : "missing"}">
      ${token ? "token set (kept in this browser's localStorage)" : "no token: the API will refuse every request"}
    </span>
    ${identity(session)}
    <a href="graphql">GraphiQL</a>
  </form>`;
}
