// The create form: a full backup, or a partial one of chosen tables.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { chooseKind, createBackup } from "../actions/backups.js";
import { errorBox } from "./parts.js";

export function createBackupForm(state) {
  const create = state.create;
  const submit = (event) => {
    event.preventDefault();
    createBackup(event.target);
  };
  const pick = (event) => chooseKind(event.target.value);
  return html`<form class="create card" id="create-backup" @submit=${submit}>
    <h2>New backup</h2>
    <label><input type="radio" name="type" value="FULL" .checked=${create.kind === "FULL"} @change=${pick} />
      Full (every table and the uploads)</label>
    <label><input type="radio" name="type" value="PARTIAL" .checked=${create.kind === "PARTIAL"} @change=${pick} />
      Partial (chosen tables)</label>
    ${create.kind === "PARTIAL"
      ? html`<label class="block">Tables, one per line (<code>schema.table</code> or <code>table</code>)
          <textarea name="tables" rows="3" spellcheck="false"></textarea></label>`
      : nothing}
    <label class="block">Description <input name="description" type="text" /></label>
    <button type="submit" ?disabled=${create.busy}>Create backup</button>
    ${create.created ? html`<p class="note" id="created-backup">Started <code>${create.created}</code>.</p>` : nothing}
    ${errorBox(create.error)}
  </form>`;
}
